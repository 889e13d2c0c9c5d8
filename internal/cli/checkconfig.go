package cli

import (
	"context"
	"fmt"
)

// runCheckConfig validates a config file and says what it found.
func runCheckConfig(_ context.Context, e env, args []string) int {
	fs := newFlags(e, "check-config")
	path := fs.String("config", "", "config `FILE`")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	cfg, ok := loadConfig(e, "check-config", *path)
	if !ok {
		return exitFail
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d members, %d mailboxes, database %s\n",
		*path, len(cfg.Team.Members), len(cfg.Mailboxes), cfg.Database)
	return exitOK
}
