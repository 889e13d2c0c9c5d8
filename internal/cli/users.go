package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/web"
)

// usersUsage is the usage line of "users".
const usersUsage = "usage: dealtrail users add -config FILE -email EMAIL -name NAME -role rep|leader|admin  (password on stdin)"

// runUsers handles "users add": a local user of the web UI, with the
// password read from the first line of standard input.
func runUsers(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(e.stderr, usersUsage)
		return exitUsage
	}
	fs := newFlags(e, "users add")
	path := fs.String("config", "", "config `FILE`")
	email := fs.String("email", "", "the user's `EMAIL` (their login)")
	name := fs.String("name", "", "the user's `NAME` as the UI shows it")
	role := fs.String("role", "", "`ROLE`: rep, leader or admin")
	code := exitOK
	if !parseFlags(fs, args[1:], &code) {
		return code
	}
	if fs.NArg() > 0 || *email == "" || *role == "" {
		fmt.Fprintln(e.stderr, usersUsage)
		return exitUsage
	}
	u := model.User{Email: *email, Name: *name, Role: model.UserRole(strings.ToLower(*role))} // the store trims and lower-cases
	if !u.Role.Valid() {
		fmt.Fprintf(e.stderr, "dealtrail users add: -role %q: want rep, leader or admin\n", *role)
		return exitUsage
	}
	password, err := readPassword(e.stdin)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail users add: %v\n", err)
		return exitFail
	}
	if problem := web.CheckPassword(password); problem != "" {
		fmt.Fprintf(e.stderr, "dealtrail users add: %s (the first line of standard input is the password)\n", problem)
		return exitFail
	}
	cfg, ok := loadConfig(e, "users add", *path)
	if !ok {
		return exitFail
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail users add: %v\n", err)
		return exitFail
	}
	st, ok := openStore(ctx, e, "users add", cfg)
	if !ok {
		return exitFail
	}
	defer st.Close()
	added, err := st.AddUser(ctx, u, string(hash))
	if errors.Is(err, store.ErrExists) {
		fmt.Fprintf(e.stderr, "dealtrail users add: a user %s exists already\n", u.Email)
		return exitFail
	} else if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail users add: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "user %s added as %s\n", added.Email, added.Role)
	if !app.Team(cfg).IsMember(added.Email) && added.Role == model.Rep {
		fmt.Fprintf(e.stderr, "note: %s is not under team.members in %s, so they own no deals, mailboxes or calendars to correct\n", added.Email, *path)
	}
	return exitOK
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no password: write it on standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
