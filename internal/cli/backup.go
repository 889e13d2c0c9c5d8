package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/dealtrail/dealtrail/internal/store"
)

// backupUsage is the usage line of "backup".
const backupUsage = "usage: dealtrail backup (-config FILE | -database FILE) OUT.db"

// runBackup copies the database into a new file OUT.db while the daemon
// may be writing to it (see store.Backup), checks the copy with PRAGMA
// integrity_check and says what it holds.
func runBackup(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "backup")
	path := fs.String("config", "", "config `FILE` naming the database")
	database := fs.String("database", "", "the database `FILE` itself, instead of -config (no config, no secrets needed)")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	if fs.NArg() != 1 || (*path == "") == (*database == "") {
		fmt.Fprintln(e.stderr, backupUsage)
		return exitUsage
	}
	src := *database
	if src == "" {
		cfg, ok := loadConfig(e, "backup", *path)
		if !ok {
			return exitFail
		}
		src = cfg.Database
	}
	start := time.Now()
	info, err := store.Backup(ctx, src, fs.Arg(0))
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail backup: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s in %s: %s, schema version %d, %d activities, %d deals; integrity_check ok\n",
		src, info.Path, time.Since(start).Round(time.Millisecond), byteSize(info.Bytes), info.SchemaVersion, info.Activities, info.Deals)
	switch v := store.CurrentSchemaVersion(); {
	case info.SchemaVersion > v:
		fmt.Fprintf(e.stderr, "note: the copy's schema version %d is newer than this dealtrail's (%d): only a dealtrail as new as the one that wrote it opens it\n",
			info.SchemaVersion, v)
	case info.SchemaVersion < v:
		fmt.Fprintf(e.stderr, "note: the copy has schema version %d; this dealtrail (version %d) upgrades a database of it when it opens one\n",
			info.SchemaVersion, v)
	}
	return exitOK
}
