package main

// A small layer over chromedp for the browser tests: every step fails the
// test with what it was doing, and waits on the DOM, never on time.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/dealtrail/dealtrail/internal/testenv/chromium"
)

// browser is one headless Chromium tab on the served UI.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	// art is where a failing step leaves a screenshot of the page.
	art string

	mu sync.Mutex
	// dialogs are the JavaScript dialogs (alert, confirm, prompt) any
	// page opened: there must be none.
	dialogs []string
	// problems are uncaught exceptions and Content-Security-Policy
	// violations; console errors the rest the console reported.
	problems, consoleErrors []string
}

// openBrowser starts Chromium (every action bounded by the test's
// deadline) and watches every page for dialogs, exceptions and CSP
// violations.
func openBrowser(t *testing.T, base, art string) *browser {
	t.Helper()
	b := &browser{t: t, base: base, art: art, ctx: chromium.New(t, uiTimeout)}
	dialogs := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	console := chromedp.Console(b.ctx)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
			b.mu.Unlock()
			// Dismiss it, or the page stays blocked.
			_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			line := string(m.Type) + " " + m.URL + ": " + m.Text
			b.mu.Lock()
			switch {
			case m.IsException(), strings.Contains(m.Text, "Content Security Policy"):
				b.problems = append(b.problems, line)
			case m.Type == chromedp.ConsoleError:
				b.consoleErrors = append(b.consoleErrors, line)
			}
			b.mu.Unlock()
		}
	}()
	return b
}

// checkPage fails the test if any page so far opened a dialog, threw an
// exception or broke the Content-Security-Policy.
func (b *browser) checkPage(step string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		b.t.Fatalf("%s: a page opened JavaScript dialogs: %q", step, b.dialogs)
	}
	if len(b.problems) > 0 {
		b.t.Fatalf("%s: the pages reported: %q", step, b.problems)
	}
}

// stepTimeout bounds one step, so that a step that hangs leaves time to
// say where.
const stepTimeout = 15 * time.Second

// step returns the context of one step.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// fatalf fails the test, saying where the browser is and leaving a
// screenshot of the page.
func (b *browser) fatalf(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := b.step()
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		path := filepath.Join(b.art, "failure.png")
		if os.WriteFile(path, png, 0o644) == nil {
			msg += "\nthe page: " + path
		}
	}
	b.t.Fatalf("%s (at %s)", msg, b.location())
}

// do runs actions, failing the test with step when one fails.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatalf("%s: %v", step, err)
	}
}

// run runs one action and returns its value, failing the test with step.
func run[T any](b *browser, step string, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.fatalf("%s: %v", step, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](b *browser, step, js string) T {
	b.t.Helper()
	return run(b, step, chromedp.Evaluate[T](js))
}

// open loads path and waits for sel, failing unless the document
// answered status.
func (b *browser) open(path string, status int64, sel string) {
	b.t.Helper()
	resp := run(b, "open "+path, chromedp.NavigateResponse(b.base+path))
	if resp.Status != status {
		b.fatalf("open %s: status %d, want %d", path, resp.Status, status)
	}
	b.do("open "+path+": wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// submit clicks sel, which sends a form or follows a link, waits for the
// page that results and for want on it, and returns that page's status.
func (b *browser) submit(step, sel, want string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("%s: click %s: %v", step, sel, err)
	}
	b.do(step+": wait for "+want, chromedp.WaitVisible(chromedp.CSS(want)))
	return resp.Status
}

// location is the path of the page shown, for messages.
func (b *browser) location() string {
	ctx, cancel := b.step()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown page: " + err.Error()
	}
	return strings.TrimPrefix(loc, b.base)
}

// text is the text content of the first element sel selects.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return run(b, "text of "+sel, chromedp.TextContent(chromedp.CSS(sel)))
}

// count counts the elements sel selects.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, "count "+sel, "document.querySelectorAll("+jsString(sel)+").length")
}

// jsString quotes s as a JavaScript string.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// login logs u in through the login form and waits for the page it leads
// to, which shows want.
func (b *browser) login(u uiUser, want string) {
	b.t.Helper()
	b.do("log in as "+u.email,
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), u.email),
		chromedp.SendKeys(chromedp.ID("password"), u.password),
	)
	if st := b.submit("log in as "+u.email, "#login-submit", want); st != 200 {
		b.t.Fatalf("log in as %s: status %d", u.email, st)
	}
	if got := b.text("#user-name"); !strings.Contains(got, u.name) || !strings.Contains(got, u.role) {
		b.t.Fatalf("logged in as %s, the page says %q", u.email, got)
	}
}

// logout presses the logout button and waits for the login page.
func (b *browser) logout() {
	b.t.Helper()
	b.submit("log out", "#logout", "#login-form")
	if flash := b.text("#flash"); !strings.Contains(flash, "logged out") {
		b.t.Errorf("after logging out the page says %q, want that you are logged out", flash)
	}
}

// sessionCookie returns the browser's session cookie, or nil.
func (b *browser) sessionCookie() *network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		b.t.Fatalf("read cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == "dealtrail_session" {
			return c
		}
	}
	return nil
}

// setCookie puts c back into the browser.
func (b *browser) setCookie(c *network.Cookie) {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, network.SetCookie, network.SetCookieParams{
		Name: c.Name, Value: c.Value, URL: b.base + "/", Path: c.Path, HTTPOnly: &c.HTTPOnly, SameSite: c.SameSite})
	if err != nil {
		b.t.Fatalf("set cookie %s: %v", c.Name, err)
	}
}

// post sends a form to path from the page shown, as a page of
// dealtrail's would (same origin, the session's cookie; the pages'
// Content-Security-Policy forbids fetch), and returns the status and the
// text of the page it answered.
func (b *browser) post(path string, fields url.Values) (int64, string) {
	b.t.Helper()
	var pairs [][2]string
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		for _, v := range fields[k] {
			pairs = append(pairs, [2]string{k, v})
		}
	}
	fj, _ := json.Marshal(pairs)
	js := `(() => {
		const f = document.createElement("form");
		f.method = "post";
		f.action = ` + jsString(path) + `;
		for (const [k, v] of ` + string(fj) + `) {
			const i = document.createElement("input");
			i.type = "hidden"; i.name = k; i.value = v;
			f.append(i);
		}
		document.body.append(f);
		f.submit();
	})()`
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](js))
	if err != nil {
		b.fatalf("POST %s: %v", path, err)
	}
	return resp.Status, b.text("body")
}

// getJSON opens path (an API URL) in the tab and returns the status and
// the JSON text the browser shows.
func (b *browser) getJSON(path string) (int64, string) {
	b.t.Helper()
	resp := run(b, "open "+path, chromedp.NavigateResponse(b.base+path))
	return resp.Status, eval[string](b, "JSON of "+path, `(document.querySelector("pre") || document.body).textContent`)
}

// sessionRequest sends a request with the browser's session cookie, from
// outside the browser (for what a page cannot send: a JSON POST), and
// returns the status and the body.
func (b *browser) sessionRequest(method, path string, header http.Header, body string) (int, string) {
	b.t.Helper()
	cookie := b.sessionCookie()
	if cookie == nil {
		b.t.Fatalf("%s %s: the browser has no session", method, path)
	}
	req, err := http.NewRequestWithContext(b.ctx, method, b.base+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header = header.Clone()
	req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, string(out)
}

// screenshot saves the whole page as a PNG in dir and logs its path.
func (b *browser) screenshot(dir, name string) {
	b.t.Helper()
	png := run(b, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("save screenshot: %v", err)
	}
	b.t.Logf("screenshot: %s", path)
}
