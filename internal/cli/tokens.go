package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/web"
)

// tokensUsage is the usage line of "tokens".
const tokensUsage = "usage: dealtrail tokens create -config FILE -email EMAIL [-name NAME]"

// runTokens handles "tokens create": a new API token for a user, printed
// once; only its SHA-256 is stored.
func runTokens(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, tokensUsage)
		return exitUsage
	}
	fs := newFlags(e, "tokens create")
	path := fs.String("config", "", "config `FILE`")
	email := fs.String("email", "", "the `EMAIL` of the user the token acts as")
	name := fs.String("name", "", "a `NAME` saying what the token is for")
	code := exitOK
	if !parseFlags(fs, args[1:], &code) {
		return code
	}
	if fs.NArg() > 0 || *email == "" {
		fmt.Fprintln(e.stderr, tokensUsage)
		return exitUsage
	}
	cfg, ok := loadConfig(e, "tokens create", *path)
	if !ok {
		return exitFail
	}
	st, ok := openStore(ctx, e, "tokens create", cfg)
	if !ok {
		return exitFail
	}
	defer st.Close()
	u, _, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(e.stderr, "dealtrail tokens create: no user %s (add one with dealtrail users add)\n", *email)
		return exitFail
	} else if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail tokens create: %v\n", err)
		return exitFail
	}
	token, hash := web.NewAPIToken()
	if err := st.AddToken(ctx, u.ID, hash, *name, time.Now()); err != nil {
		fmt.Fprintf(e.stderr, "dealtrail tokens create: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(e.stdout, token)
	fmt.Fprintf(e.stderr, "token for %s (%s) created: it is shown only this once; send it as \"Authorization: Bearer TOKEN\" to /api/v1/\n", u.Email, u.Role)
	return exitOK
}
