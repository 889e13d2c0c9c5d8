package calsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// davMaxRedirects bounds the redirects one CalDAV request may take.
const davMaxRedirects = 5

// ErrUnauthorized is matched (errors.Is) by the error of a CalDAV server
// that refused the username or password.
var ErrUnauthorized = errors.New("the server refused the username or password")

// transportError is a request that got no HTTP answer at all (the
// network, a timeout, a cancelled context). It ends a poll, where an HTTP
// error only sets one calendar or one object aside.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// fatal tells whether err should end the whole poll rather than be one
// calendar's or one object's problem: no answer at all, or credentials
// refused.
func fatal(err error) bool {
	var te *transportError
	var se *StatusError
	return errors.As(err, &te) || (errors.As(err, &se) && se.Code == http.StatusUnauthorized) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// isNotFound tells whether err is an HTTP 404 or 410.
func isNotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone)
}

// davClient sends the CalDAV requests of one account, go-webdav's and
// ours: it logs in (asking for the password at each request, so a rotated
// secret takes effect), follows redirects that stay on the same server
// keeping the method (net/http turns a redirected PROPFIND into a GET),
// and turns every answer that is not 2xx into a *StatusError.
type davClient struct {
	http     *http.Client
	username string
	password func() string
	maxBytes int64
}

// Do sends req. It implements webdav.HTTPClient.
func (c *davClient) Do(req *http.Request) (*http.Response, error) {
	for redirects := 0; ; redirects++ {
		req.SetBasicAuth(c.username, c.password())
		req.Header.Set("User-Agent", userAgent)
		resp, err := c.http.Do(req)
		if err != nil {
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err // its message would repeat the URL
			}
			return nil, &transportError{err: err}
		}
		if resp.StatusCode/100 == 2 {
			return resp, nil
		}
		drain(resp)
		loc := resp.Header.Get("Location")
		if !isRedirect(resp.StatusCode) || loc == "" {
			return nil, &StatusError{Code: resp.StatusCode}
		}
		if redirects >= davMaxRedirects {
			return nil, fmt.Errorf("stopped after %d redirects", davMaxRedirects)
		}
		next, err := req.URL.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("%w: redirect to %q", errBadResponse, loc)
		}
		if next.Host != req.URL.Host || next.Scheme != req.URL.Scheme {
			// The password is not sent to another server.
			return nil, fmt.Errorf("redirected to %s: set the CalDAV endpoint to it", RedactURL(next.String()))
		}
		if req, err = redirected(req, next); err != nil {
			return nil, err
		}
	}
}

// redirected returns req for its new URL, with its body again.
func redirected(req *http.Request, to *url.URL) (*http.Request, error) {
	r := req.Clone(req.Context())
	r.URL = to
	r.Host = ""
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// drain reads a little of a body that is not wanted and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}

// send makes one request to path (decoded) on the server at base and
// returns the body, at most maxBytes of it. An XML body is sent for a
// PROPFIND or REPORT; depth is the Depth header, if any.
func (c *davClient) send(ctx context.Context, base *url.URL, method, path, depth, body string) ([]byte, http.Header, error) {
	u := *base
	u.Path, u.RawPath, u.RawQuery, u.Fragment = path, "", "", ""
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, err
	}
	if body != "" {
		// No charset: an XML body without a declaration is UTF-8 (RFC
		// 7303, 3.2), and every byte counts in a poll.
		req.Header.Set("Content-Type", "application/xml")
	}
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	if method == http.MethodGet {
		req.Header.Set("Accept", "text/calendar")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if (method == "PROPFIND" || method == "REPORT") && resp.StatusCode != http.StatusMultiStatus {
		return nil, nil, fmt.Errorf("%w: %s instead of 207 Multi-Status", errBadResponse, statusWords(resp.StatusCode))
	}
	data, err := readCapped(resp.Body, c.maxBytes)
	if err != nil {
		var se *SizeError
		if !errors.As(err, &se) {
			err = &transportError{err: err}
		}
		return nil, nil, err
	}
	return data, resp.Header, nil
}
