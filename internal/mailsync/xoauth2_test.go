package mailsync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"

	"github.com/dealtrail/dealtrail/internal/config"
)

// saslSession adds XOAUTH2 to the in-memory server: a bearer token
// registered with acceptToken logs its user in.
type saslSession struct {
	imapserver.Session
	ms *memServer
}

var (
	tokensMu sync.Mutex
	tokens   = map[string][2]string{} // access token -> user, password
)

func acceptToken(token, user, password string) {
	tokensMu.Lock()
	tokens[token] = [2]string{user, password}
	tokensMu.Unlock()
}

func (s *saslSession) AuthenticateMechanisms() []string { return []string{"PLAIN", "XOAUTH2"} }

func (s *saslSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, user, pass string) error { return s.Login(user, pass) }), nil
	case "XOAUTH2":
		return &xoauth2Server{s: s}, nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "unsupported mechanism"}
}

type xoauth2Server struct {
	s      *saslSession
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed { // the client's empty answer to the error challenge
		return nil, true, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "invalid credentials"}
	}
	parts := strings.Split(string(resp), "\x01")
	if len(parts) != 4 || !strings.HasPrefix(parts[0], "user=") || !strings.HasPrefix(parts[1], "auth=Bearer ") {
		return nil, true, &imap.Error{Type: imap.StatusResponseTypeBad, Text: "malformed XOAUTH2"}
	}
	user, token := strings.TrimPrefix(parts[0], "user="), strings.TrimPrefix(parts[1], "auth=Bearer ")
	tokensMu.Lock()
	cred, ok := tokens[token]
	tokensMu.Unlock()
	if !ok || cred[0] != user {
		x.failed = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, x.s.Login(cred[0], cred[1])
}

func TestXOAUTH2(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep2", "unused-password")
	ms.appendMsg(t, "rep2", "INBOX", genMail(1, "plain", time.Now()), time.Now())

	var refreshes atomic.Int32
	var refuse atomic.Bool // hand out tokens the IMAP server refuses
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != "rt-secret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": "Bad Request"})
			return
		}
		n := refreshes.Add(1)
		token := fmt.Sprintf("at-%d", n)
		if !refuse.Load() {
			acceptToken(token, "rep2", "unused-password")
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
	}))
	defer tokenSrv.Close()

	mb := mailboxAt(t, ms.addr, "rep2", "")
	mb.Auth = config.AuthXOAuth2
	mb.Password = config.Secret{}
	mb.OAuth2 = &config.OAuth2{
		TokenURL: tokenSrv.URL, ClientID: "client", ClientSecret: config.NewSecret("cs-secret"),
		RefreshToken: config.NewSecret("rt-secret"), Scopes: []string{"https://mail.google.com/"},
	}
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mb, Store: st, Sink: st})
	ctx := context.Background()
	for range 3 {
		if _, err := w.PollOnce(ctx); err != nil {
			t.Fatalf("PollOnce: %v", err)
		}
	}
	if got := refreshes.Load(); got != 1 {
		t.Errorf("%d token refreshes for 3 polls with a valid token, want 1", got)
	}
	if keys := st.keysOf(w.Name(), "INBOX"); len(keys) != 1 {
		t.Errorf("stored %v, want the one message", keys)
	}

	// A revoked refresh token: the error says so, without any secret.
	mb.OAuth2.RefreshToken = config.NewSecret("rt-revoked")
	w2 := newTestWorker(t, Options{Mailbox: mb, Store: st, Sink: st})
	_, err := w2.PollOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("PollOnce with a revoked token = %v, want invalid_grant", err)
	}
	assertNoSecrets(t, err.Error(), st.source(w2.Source()).LastError)

	// An access token the server refuses.
	refuse.Store(true)
	mb.OAuth2.RefreshToken = config.NewSecret("rt-secret")
	w3 := newTestWorker(t, Options{Mailbox: mb, Store: st, Sink: st})
	_, err = w3.PollOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "XOAUTH2 rejected") {
		t.Fatalf("PollOnce with a refused token = %v", err)
	}
	assertNoSecrets(t, err.Error())
}

// assertNoSecrets fails when a test secret shows in any of texts.
func assertNoSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range []string{"rt-secret", "rt-revoked", "cs-secret", "hunter2", "at-1", "at-2", "wrong-password"} {
			if bytes.Contains([]byte(s), []byte(secret)) {
				t.Errorf("%q gives away a secret", s)
			}
		}
	}
}
