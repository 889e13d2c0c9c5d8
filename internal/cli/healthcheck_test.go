package cli_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// configListening writes a config whose listen is listen.
func configListening(t *testing.T, listen string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "dealtrail.yaml")
	text := "database: " + filepath.Join(dir, "dealtrail.db") + "\nlisten: \"" + listen + "\"\nteam:\n  domains: [ourco.example]\n  members:\n" +
		"    - {email: rep@ourco.example, name: Rita Rep}\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.WriteHeader(status)
			if status == http.StatusOK {
				w.Write([]byte("ok\n"))
			} else {
				w.Write([]byte("database unavailable\n"))
			}
		case "/slow":
			time.Sleep(time.Second)
		case "/moved":
			http.Redirect(w, r, "/healthz", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	code, stdout, stderr := run(t, "", "healthcheck", "-url", srv.URL+"/healthz")
	if code != 0 || stdout != srv.URL+"/healthz: ok\n" || stderr != "" {
		t.Errorf("healthy: %d, %q, %q", code, stdout, stderr)
	}
	for _, listen := range []string{":" + port, "0.0.0.0:" + port, "127.0.0.1:" + port} {
		code, stdout, stderr = run(t, "", "healthcheck", "-config", configListening(t, listen))
		if code != 0 || !strings.HasPrefix(stdout, "http://127.0.0.1:"+port+"/healthz: ok") {
			t.Errorf("listen %s: %d, %q, %q", listen, code, stdout, stderr)
		}
	}

	status = http.StatusServiceUnavailable
	code, _, stderr = run(t, "", "healthcheck", "-url", srv.URL+"/healthz")
	if code != 1 || !strings.Contains(stderr, `answered 503 Service Unavailable: "database unavailable"`) {
		t.Errorf("unhealthy: %d, %q", code, stderr)
	}
	code, _, stderr = run(t, "", "healthcheck", "-url", srv.URL+"/moved")
	if code != 1 || !strings.Contains(stderr, "answered 302 Found") {
		t.Errorf("redirect: %d, %q", code, stderr)
	}
	code, _, stderr = run(t, "", "healthcheck", "-url", srv.URL+"/slow", "-timeout", "200ms")
	if code != 1 || !strings.Contains(stderr, "no answer within 200ms") {
		t.Errorf("slow: %d, %q", code, stderr)
	}
	code, _, stderr = run(t, "", "healthcheck", "-config", configListening(t, "127.0.0.1:0"))
	if code != 1 || !strings.Contains(stderr, "give -url") {
		t.Errorf("port 0: %d, %q", code, stderr)
	}
	srv.Close()
	code, _, stderr = run(t, "", "healthcheck", "-url", srv.URL+"/healthz")
	if code != 1 || !strings.Contains(stderr, "connection refused") {
		t.Errorf("nothing listening: %d, %q", code, stderr)
	}
	if code, _, _ := run(t, "", "healthcheck", "-url", "x", "-config", "y"); code != 2 {
		t.Errorf("both -url and -config: status %d, want usage", code)
	}
}
