// Package cli implements dealtrail's subcommands. Run is the whole command
// line, so it can be tested without a process: arguments and streams in,
// exit status out.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// env is what every subcommand gets: its streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name, usage string
	run         func(ctx context.Context, e env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "serve -config FILE            run the pollers and the web UI until stopped", runServe},
		{"sync", "sync -once -config FILE        one pass over every source, with progress and a summary", runSync},
		{"check-config", "check-config -config FILE     validate a config file", runCheckConfig},
		{"deals", "deals import -config FILE deals.csv   create or update deals from a CSV file", runDeals},
		{"rematch", "rematch -config FILE [-v]      match every activity again and print what moved", runRematch},
		{"demo", "demo [-data DIR] [-listen ADDR]   run dealtrail on a generated team, nothing to configure", runDemo},
		{"export", "export -config FILE [-format json|csv] [-deal ID]   write what is stored", runExport},
		{"users", "users add -config FILE -email EMAIL -name NAME -role rep|leader|admin   add a web UI user (password on stdin)", runUsers},
		{"tokens", "tokens create -config FILE -email EMAIL [-name NAME]   print a new API token for a user", runTokens},
		{"backup", "backup (-config FILE | -database FILE) OUT.db   copy the database while the daemon runs, and check the copy", runBackup},
		{"purge", "purge -config FILE (-address EMAIL | -domain DOMAIN) [-yes]   remove everything stored about a person or a company", runPurge},
		{"healthcheck", "healthcheck [-url URL | -config FILE]   exit 0 when a running dealtrail's /healthz answers 200 (for containers)", runHealthcheck},
	}
}

// Run runs the dealtrail command line and returns its exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "dealtrail: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: dealtrail COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintln(w, "  "+c.usage)
	}
}

// newFlags returns a flag set that reports to stderr under the command's name.
func newFlags(e env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("dealtrail "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args; it returns false (having reported) when the
// command should stop with status *code.
func parseFlags(fs *flag.FlagSet, args []string, code *int) bool {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			*code = exitOK
		} else {
			*code = exitUsage
		}
		return false
	}
	return true
}

// loadConfig loads path, reporting a missing flag or every config error.
func loadConfig(e env, cmd, path string) (*config.Config, bool) {
	if path == "" {
		fmt.Fprintf(e.stderr, "dealtrail %s: -config FILE is required\n", cmd)
		return nil, false
	}
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail %s: %s\n", cmd, indent(err.Error()))
		return nil, false
	}
	return cfg, true
}

// openApp loads the config at path and opens its database, reporting any
// failure to stderr under the command's name. The app logs to stderr as
// the config's log section says, from floor up at least (commands that
// print their own progress pass slog.LevelWarn).
func openApp(ctx context.Context, e env, cmd, path string, floor slog.Level) (*app.App, bool) {
	cfg, ok := loadConfig(e, cmd, path)
	if !ok {
		return nil, false
	}
	a, err := app.Open(ctx, cfg, newLogger(e.stderr, cfg.Log, floor))
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail %s: %v\n", cmd, err)
		return nil, false
	}
	return a, true
}

// openStore opens the database of cfg alone (no ingester, no linker),
// reporting a failure to stderr under the command's name.
func openStore(ctx context.Context, e env, cmd string, cfg *config.Config) (*store.Store, bool) {
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail %s: %v\n", cmd, err)
		return nil, false
	}
	return st, true
}

// indent puts continuation lines of a multi-line message under the first.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

// newLogger logs to w in the format of l (text unless json), from l's
// level or floor up, whichever is the more severe.
func newLogger(w io.Writer, l config.Log, floor slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: max(l.Level, floor)}
	if l.Format == config.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
