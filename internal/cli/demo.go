package cli

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/demo"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/schedule"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/web"
	"golang.org/x/crypto/bcrypt"
)

// Pace of the demo.
const (
	demoPollInterval = 3 * time.Second
	demoMailEvery    = 4 * time.Second
	demoReportEvery  = 5 * time.Second
	demoDatabase     = "dealtrail.db"
)

// runDemo runs dealtrail on a generated team with nothing to configure: an
// in-process IMAP server seeded with a year of the team's mail and an
// in-process HTTP server with each member's calendar as an ICS feed, the
// real pollers syncing them into SQLite, the web UI with a user per
// member, and new mail arriving every few seconds, until stopped (SIGINT
// or SIGTERM).
func runDemo(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "demo")
	data := fs.String("data", "", "keep the database in `DIR` (default: a temporary directory removed at exit)")
	listen := fs.String("listen", "127.0.0.1:8080", "`ADDR` to listen on")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "dealtrail demo: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		fmt.Fprintf(e.stderr, "dealtrail demo: -listen %q: %v\n", *listen, err)
		return exitUsage
	}
	fail := func(err error) int {
		if ctx.Err() != nil { // stopped while starting: not a failure
			fmt.Fprintln(e.stdout, "demo stopped")
			return exitOK
		}
		fmt.Fprintf(e.stderr, "dealtrail demo: %v\n", err)
		return exitFail
	}

	dir, kept := *data, *data != ""
	if !kept {
		tmp, err := os.MkdirTemp("", "dealtrail-demo-")
		if err != nil {
			return fail(fmt.Errorf("create data directory: %w", err))
		}
		defer os.RemoveAll(tmp) // after the database is closed (defers run last first)
		dir = tmp
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	team := demo.Generate(demo.DefaultSeed, time.Now())
	srv, err := demo.StartServer(team.Users(), logger)
	if err != nil {
		return fail(err)
	}
	defer srv.Close()
	if err := srv.Load(team); err != nil {
		return fail(err)
	}
	feeds, err := demo.StartFeeds(team, logger)
	if err != nil {
		return fail(err)
	}
	defer feeds.Close()

	cfg := demoConfig(team, srv, feeds, filepath.Join(dir, demoDatabase), *listen)
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return fail(err)
	}
	defer a.Close()
	if _, err := a.Store.ImportDeals(ctx, team.Deals); err != nil {
		return fail(fmt.Errorf("import the demo deals: %w", err))
	}
	workers, err := a.MailWorkers(nil)
	if err != nil {
		return fail(err)
	}
	calendars, err := a.CalendarWorkers(nil)
	if err != nil {
		return fail(err)
	}
	logins, err := demoUsers(ctx, a.Store, team)
	if err != nil {
		return fail(err)
	}
	ui, err := web.FromApp(a, nil)
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w", *listen, err))
	}

	out := &lockedWriter{w: e.stdout}
	demoIntro(out, team, srv, feeds, cfg.Database, kept)
	fmt.Fprintf(out, "  web UI       http://%s/  log in as one of (passwords made for this run):\n", ln.Addr())
	for _, l := range logins {
		fmt.Fprintf(out, "    %-7s %-26s %s\n", l.role, l.email, l.password)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := ui.Serve(ctx, ln); err != nil {
			logger.Error("web UI failed", "err", err)
		}
	})
	wg.Go(func() { schedule.RunAll(ctx, workers) })
	wg.Go(func() { schedule.RunAll(ctx, calendars) })
	wg.Go(func() { deliverDemoMail(ctx, out, srv, demo.NewLive(team, demo.DefaultSeed), logger) })
	reportDemo(ctx, out, a.Store)
	wg.Wait()

	fmt.Fprintln(out, "demo stopped")
	if kept {
		fmt.Fprintf(out, "the database is kept in %s\n", cfg.Database)
	}
	return exitOK
}

// demoConfig is the configuration of the demo: the generated team, one
// mailbox per member on the in-process IMAP server and one calendar feed
// per member on the in-process HTTP server (loopback, hence private
// networks allowed), the database in the data directory.
func demoConfig(team *demo.Team, srv *demo.Server, feeds *demo.FeedServer, database, listen string) *config.Config {
	calendar := config.DefaultCalendarSettings()
	calendar.AllowPrivateNetworks = true
	cfg := &config.Config{
		Database:     database,
		Listen:       listen,
		PollInterval: demoPollInterval,
		Team:         config.Team{Domains: []string{team.Domain}},
		Matching:     config.DefaultMatching(),
		Calendar:     calendar,
	}
	for _, m := range team.Members {
		cfg.Team.Members = append(cfg.Team.Members, config.Member{Email: m.Email, Name: m.Name, Role: m.Role})
		cfg.Mailboxes = append(cfg.Mailboxes, config.Mailbox{
			Name:     m.Email,
			Owner:    m.Email,
			Host:     srv.Host(),
			Port:     srv.Port(),
			TLS:      config.TLSNone,
			Username: m.User,
			Auth:     config.AuthPlain,
			Password: config.NewSecret(srv.Password(m.User)),
		})
		cfg.Calendars = append(cfg.Calendars, config.Calendar{
			Name:     m.Email,
			Owner:    m.Email,
			Kind:     config.CalendarURL,
			Location: feeds.URL(m.User),
		})
	}
	return cfg
}

// demoIntro says what the demo runs and where.
func demoIntro(w io.Writer, team *demo.Team, srv *demo.Server, feeds *demo.FeedServer, database string, kept bool) {
	messages := 0
	for _, ms := range team.Mailboxes {
		messages += len(ms)
	}
	fmt.Fprintln(w, "dealtrail demo: a generated year of a sales team's mail and meetings, synced by the real pollers into SQLite")
	fmt.Fprintf(w, "  IMAP server  %s (in-process, plain text on loopback, passwords generated at start)\n", srv.Addr())
	fmt.Fprintln(w, "  mailboxes")
	for _, m := range team.Members {
		n := len(team.Mailboxes[m.User])
		fmt.Fprintf(w, "    %-22s %-7s INBOX and Sent, %d messages\n", m.Email, m.Role, n)
	}
	fmt.Fprintf(w, "  calendars    %s (in-process ICS feeds, one per member)\n", feeds.URL("USER"))
	for _, m := range team.Members {
		n := 0
		for _, mt := range team.Meetings {
			if mt.Takes(m.Email) {
				n++
			}
		}
		fmt.Fprintf(w, "    %-22s %s, %d meetings\n", m.Email, feeds.URL(m.User), n)
	}
	fmt.Fprintf(w, "  seeded       %d emails (%d copies), %d meetings, %d deals imported\n",
		len(team.Emails), messages, len(team.Meetings), len(team.Deals))
	where := "removed at exit; keep it with -data DIR"
	if kept {
		where = "kept"
	}
	fmt.Fprintf(w, "  database     %s (%s)\n", database, where)
	fmt.Fprintf(w, "  new mail     every %s, polled every %s; stop with Ctrl-C\n", demoMailEvery, demoPollInterval)
}

// deliverDemoMail puts a new email into the server every few seconds.
func deliverDemoMail(ctx context.Context, w io.Writer, srv *demo.Server, live *demo.Live, logger *slog.Logger) {
	tick := time.NewTicker(demoMailEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			mail := live.Next(now)
			if err := srv.Deliver(mail); err != nil {
				logger.Warn("demo mail not delivered", "error", err)
				continue
			}
			var to []string
			for _, c := range mail.Copies {
				to = append(to, c.User+" "+c.Folder)
			}
			fmt.Fprintf(w, "%s  new mail  %-8s %q from %s, into %s\n", now.Format(time.TimeOnly),
				mail.Direction, mail.Subject, mail.Participants[0].Email, strings.Join(to, ", "))
		}
	}
}

// reportDemo prints, every few seconds until ctx is done, how many
// activities the store holds and when each mailbox last synced.
func reportDemo(ctx context.Context, w io.Writer, st *store.Store) {
	tick := time.NewTicker(demoReportEvery)
	defer tick.Stop()
	last := -1
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			count, err := st.CountActivities(ctx)
			if err != nil {
				if ctx.Err() == nil {
					fmt.Fprintf(w, "%s  cannot read the store: %v\n", now.Format(time.TimeOnly), err)
				}
				continue
			}
			states, err := st.SourceStates(ctx)
			if err != nil {
				continue
			}
			var synced []string
			for _, s := range states {
				name, _, _ := strings.Cut(s.Source, "@")
				name = strings.Replace(strings.TrimPrefix(name, "mailbox:"), "calendar:", "calendar ", 1)
				switch {
				case s.ErrorCount > 0:
					synced = append(synced, fmt.Sprintf("%s failing (%d): %s", name, s.ErrorCount, s.LastError))
				case s.LastSuccessAt.IsZero():
					synced = append(synced, name+" not yet")
				default:
					synced = append(synced, fmt.Sprintf("%s %s ago", name, now.Sub(s.LastSuccessAt).Round(time.Second)))
				}
			}
			change := ""
			if last >= 0 {
				change = fmt.Sprintf(" (%+d)", count-last)
			}
			last = count
			fmt.Fprintf(w, "%s  %d activities%s; last sync: %s\n", now.Format(time.TimeOnly),
				count, change, strings.Join(synced, ", "))
		}
	}
}

// demoLogin is a demo user's login, printed at start.
type demoLogin struct {
	role, email, password string
}

// demoUsers gives every member of the demo team a user with a password
// made for this run (set again when a kept database has the user already),
// leaders first.
func demoUsers(ctx context.Context, st *store.Store, team *demo.Team) ([]demoLogin, error) {
	var out []demoLogin
	for _, m := range team.Members {
		password := rand.Text()[:12]
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		if err != nil {
			return nil, err
		}
		u := model.User{Email: m.Email, Name: m.Name, Role: model.UserRole(m.Role)}
		_, err = st.AddUser(ctx, u, string(hash))
		if errors.Is(err, store.ErrExists) {
			var old model.User
			if old, _, err = st.UserByEmail(ctx, m.Email); err == nil {
				err = st.SetPassword(ctx, old.ID, string(hash))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("add demo user %s: %w", m.Email, err)
		}
		out = append(out, demoLogin{role: m.Role, email: m.Email, password: password})
	}
	rank := func(l demoLogin) int {
		if l.role == "leader" {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b demoLogin) int { return cmp.Compare(rank(a), rank(b)) })
	return out, nil
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
