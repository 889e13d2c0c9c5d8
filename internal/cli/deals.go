package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/dealtrail/dealtrail/internal/crm"
)

// runDeals handles "deals import": create or update deals from a CSV
// file, all or nothing.
func runDeals(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(e.stderr, "usage: dealtrail deals import -config FILE deals.csv")
		return exitUsage
	}
	fs := newFlags(e, "deals import")
	path := fs.String("config", "", "config `FILE`")
	code := exitOK
	if !parseFlags(fs, args[1:], &code) {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "usage: dealtrail deals import -config FILE deals.csv")
		return exitUsage
	}
	csvPath := fs.Arg(0)
	f, err := os.Open(csvPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail deals import: %v\n", err)
		return exitFail
	}
	defer f.Close()
	a, ok := openApp(ctx, e, "deals import", *path, slog.LevelDebug)
	if !ok {
		return exitFail
	}
	defer a.Close()
	sum, err := crm.Import(ctx, a.Store, f, filepath.Base(csvPath), a.Team.IsMember)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail deals import: nothing imported:\n  %s\n", indent(err.Error()))
		return exitFail
	}
	fmt.Fprintf(e.stdout, "%s: %d deals created, %d updated\n", csvPath, sum.Created, sum.Updated)
	moved, err := a.Linker.Drain(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail deals import: deals saved, but matching failed (the next sync or rematch retries): %v\n", err)
		return exitFail
	}
	printMoves(e.stdout, moved, movesShown)
	return exitOK
}
