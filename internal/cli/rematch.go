package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/model"
)

// runRematch matches every stored activity again and prints what moved.
func runRematch(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "rematch")
	path := fs.String("config", "", "config `FILE`")
	all := fs.Bool("v", false, "list every activity that moved, not only the first ones")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	a, ok := openApp(ctx, e, "rematch", *path, slog.LevelWarn)
	if !ok {
		return exitFail
	}
	defer a.Close()
	start := time.Now()
	sum, err := a.Linker.Rematch(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail rematch: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "rematched %d activities in %s\n", sum.Matched, time.Since(start).Round(time.Millisecond))
	limit := movesShown
	if *all {
		limit = len(sum.Changes)
	}
	printMoves(e.stdout, sum, limit)
	return exitOK
}

// movesShown is how many moved activities a command lists by default.
const movesShown = 20

// printMoves says what a round of matching changed: counts by outcome,
// then up to limit of the activities that moved, each with its reason.
func printMoves(w io.Writer, sum linker.Summary, limit int) {
	if len(sum.Changes) == 0 {
		fmt.Fprintln(w, "nothing moved")
		return
	}
	var linked, review, unlinked int
	for _, c := range sum.Changes {
		switch {
		case c.After.Linked():
			linked++
		case c.After.State == model.LinkReview:
			review++
		default:
			unlinked++
		}
	}
	fmt.Fprintf(w, "%d moved: %d onto a deal, %d to review, %d off any deal\n", len(sum.Changes), linked, review, unlinked)
	for i, c := range sum.Changes {
		if i == limit {
			fmt.Fprintf(w, "  ... and %d more (-v lists all)\n", len(sum.Changes)-limit)
			break
		}
		fmt.Fprintf(w, "  activity %d: %s -> %s: %s\n", c.ActivityID, placement(c.Before), placement(c.After), c.After.Reason)
	}
}

// placement names where a link puts its activity, in a few words.
func placement(l model.Link) string {
	switch {
	case l.State == "":
		return "new"
	case l.Linked():
		return l.DealID
	default:
		return string(l.State)
	}
}
