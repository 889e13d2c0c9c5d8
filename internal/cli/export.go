package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/dealtrail/dealtrail/internal/export"
)

// runExport writes the stored deals and activities as JSON or CSV.
func runExport(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "export")
	path := fs.String("config", "", "config `FILE`")
	format := fs.String("format", "json", "output `format`: json or csv")
	deal := fs.String("deal", "", "export only the deal with this `ID`")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	var write func(w io.Writer, doc export.Document) error
	switch *format {
	case "json":
		write = export.WriteJSON
	case "csv":
		write = export.WriteCSV
	default:
		fmt.Fprintf(e.stderr, "dealtrail export: -format %q: want json or csv\n", *format)
		return exitUsage
	}
	a, ok := openApp(ctx, e, "export", *path, slog.LevelDebug)
	if !ok {
		return exitFail
	}
	defer a.Close()
	doc, err := export.Build(ctx, a.Store, *deal)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail export: %v\n", err)
		return exitFail
	}
	out := bufio.NewWriter(e.stdout)
	if err := write(out, doc); err != nil {
		fmt.Fprintf(e.stderr, "dealtrail export: %v\n", err)
		return exitFail
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(e.stderr, "dealtrail export: %v\n", err)
		return exitFail
	}
	return exitOK
}
