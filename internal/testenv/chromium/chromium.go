// Package chromium starts a headless Chromium (Debian package chromium)
// for tests that drive the real web UI, through
// github.com/chromedp/chromedp. A missing browser skips the test with how
// to install it, or fails it under DEALTRAIL_NO_SKIP.
package chromium

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dealtrail/dealtrail/internal/testenv"
)

// candidates are the names Chromium's binary goes by.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Path returns the Chromium binary, or skips (fails under
// DEALTRAIL_NO_SKIP) t when there is none.
func Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("DEALTRAIL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Missing(t, "Chromium", "apt-get install chromium (or set DEALTRAIL_CHROMIUM to a Chrome binary)")
	return ""
}

// New starts a headless browser with its own profile in a temp folder and
// returns a context for chromedp actions on its first tab. The browser
// is stopped when the test ends; every action run with the context is
// bounded by timeout.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	out := &testenv.Buffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// Tests run as root in CI, where Chromium's sandbox refuses to
		// start; the pages are the test's own.
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
		// What the browser says goes to the test's log only if it does
		// not start.
		chromedp.CombinedOutput(out),
	)
	logf := &testLog{t: t}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf.printf))
	// The first Run starts the browser.
	if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start Chromium: %v\n%s", err, testenv.Tail(out.String(), 20))
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		logf.stop()
	})
	return ctx
}

// testLog passes chromedp's messages to the test's log until the test
// stops the browser: a message logged after the test ended would panic.
type testLog struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("chromium: "+format, args...)
	}
}

func (l *testLog) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}
