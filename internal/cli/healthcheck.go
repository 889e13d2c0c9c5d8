package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultHealthURL is what healthcheck asks without -url or -config: the
// default listen address, which in a container is the daemon's own.
const defaultHealthURL = "http://127.0.0.1:8080/healthz"

// runHealthcheck asks a running dealtrail's /healthz and exits 0 on
// 200, 1 otherwise, saying why. It is the container's HEALTHCHECK, where
// there is no curl.
func runHealthcheck(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "healthcheck")
	target := fs.String("url", "", "the `URL` to ask (default "+defaultHealthURL+", or the -config's listen address)")
	path := fs.String("config", "", "config `FILE` whose listen address to ask")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	if fs.NArg() > 0 || (*target != "" && *path != "") {
		fmt.Fprintln(e.stderr, "usage: dealtrail healthcheck [-url URL | -config FILE] [-timeout 5s]")
		return exitUsage
	}
	where := *target
	switch {
	case where != "":
	case *path != "":
		cfg, ok := loadConfig(e, "healthcheck", *path)
		if !ok {
			return exitFail
		}
		var err error
		if where, err = healthURL(cfg.Listen); err != nil {
			fmt.Fprintf(e.stderr, "dealtrail healthcheck: %v\n", err)
			return exitFail
		}
	default:
		where = defaultHealthURL
	}
	if err := checkHealth(ctx, where, *timeout); err != nil {
		fmt.Fprintf(e.stderr, "dealtrail healthcheck: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", where)
	return exitOK
}

// healthURL is the /healthz URL of a server listening on listen: an
// unspecified host (":8080", "0.0.0.0:8080", "[::]:8080") is asked on
// the loopback address.
func healthURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen %q: %w", listen, err)
	}
	if port == "0" {
		return "", fmt.Errorf("listen %q takes a port chosen at start: give -url", listen)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// checkHealth GETs url and returns nil on 200, else an error saying what
// answered (the status and the first line of the body) or why nothing
// did. Redirects are not followed and no proxy is used.
func checkHealth(ctx context.Context, target string, timeout time.Duration) error {
	client := &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		var te interface{ Timeout() bool }
		if errors.As(err, &te) && te.Timeout() {
			return fmt.Errorf("GET %s: no answer within %s", target, timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		if line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n"); line != "" {
			return fmt.Errorf("GET %s answered %s: %q", target, resp.Status, line)
		}
		return fmt.Errorf("GET %s answered %s", target, resp.Status)
	}
	return nil
}
