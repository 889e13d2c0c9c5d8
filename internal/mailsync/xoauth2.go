package mailsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/dealtrail/dealtrail/internal/config"
)

// xoauth2Client is the SASL XOAUTH2 mechanism of Gmail and Microsoft 365:
// the user name and a bearer access token in one initial response.
type xoauth2Client struct {
	user, token string
}

func (c *xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

// Next is called only when the server rejects the token: it sends a JSON
// challenge describing why. The exchange is abandoned with that reason.
func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	var reason struct {
		Status string `json:"status"`
		Scope  string `json:"scope"`
	}
	if json.Unmarshal(challenge, &reason) == nil && reason.Status != "" {
		return nil, fmt.Errorf("XOAUTH2 rejected by the server: status %s (scope %s)", reason.Status, reason.Scope)
	}
	return nil, errors.New("XOAUTH2 rejected by the server")
}

// tokenTimeout bounds one request to the OAuth2 token endpoint.
const tokenTimeout = 30 * time.Second

// tokenSource gives access tokens for XOAUTH2, refreshing them with the
// refresh token only when expired. One lives as long as its worker.
type tokenSource struct {
	once sync.Once
	cfg  *config.OAuth2
	http *http.Client
	ts   oauth2.TokenSource
}

func (s *tokenSource) token(ctx context.Context) (string, error) {
	if s.cfg == nil {
		return "", errors.New("XOAUTH2 needs an oauth2 section in the mailbox config")
	}
	s.once.Do(func() {
		hc := s.http
		if hc == nil {
			hc = &http.Client{Timeout: tokenTimeout}
		}
		oc := &oauth2.Config{
			ClientID:     s.cfg.ClientID,
			ClientSecret: s.cfg.ClientSecret.Reveal(),
			Endpoint:     oauth2.Endpoint{TokenURL: s.cfg.TokenURL},
			Scopes:       s.cfg.Scopes,
		}
		// The token source outlives any one poll, so it holds a context
		// of its own; the HTTP client's timeout bounds each refresh.
		base := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
		s.ts = oc.TokenSource(base, &oauth2.Token{RefreshToken: s.cfg.RefreshToken.Reveal()})
	})
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := s.ts.Token()
		ch <- result{tok, err}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		if r.err != nil {
			return "", tokenErr(r.err)
		}
		return r.tok.AccessToken, nil
	}
}

// tokenErr says why a refresh failed without echoing the request or the
// whole response body.
func tokenErr(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		msg := fmt.Sprintf("refresh OAuth2 access token: the token endpoint answered %d", status)
		if re.ErrorCode != "" {
			msg += " " + re.ErrorCode
		}
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		return errors.New(msg)
	}
	return fmt.Errorf("refresh OAuth2 access token: %v", err)
}
