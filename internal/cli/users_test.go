package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dealtrail/dealtrail/internal/cli"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/testenv"
	"github.com/dealtrail/dealtrail/internal/web"
)

// writeConfig writes a config with a team and no sources, listening on
// a free loopback port; it returns its path and the database's.
func writeConfig(t *testing.T) (cfgPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath, dbPath = filepath.Join(dir, "dealtrail.yaml"), filepath.Join(dir, "dealtrail.db")
	text := "database: " + dbPath + "\nlisten: 127.0.0.1:0\nteam:\n  domains: [ourco.example]\n  members:\n" +
		"    - {email: rep@ourco.example, name: Rita Rep}\n"
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, dbPath
}

// run runs the command line with stdin and returns its status and output.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsersAdd(t *testing.T) {
	cfg, db := writeConfig(t)
	add := func(stdin string, extra ...string) (int, string, string) {
		return run(t, stdin, append([]string{"users", "add", "-config", cfg}, extra...)...)
	}
	code, _, stderr := add("short\n", "-email", "rep@ourco.example", "-name", "Rita Rep", "-role", "rep")
	if code != 1 || !strings.Contains(stderr, "password: at least 10 characters") {
		t.Errorf("short password: %d, %q", code, stderr)
	}
	code, _, stderr = add("long enough password\n", "-email", "rep@ourco.example", "-role", "boss")
	if code != 2 || !strings.Contains(stderr, `-role "boss": want rep, leader or admin`) {
		t.Errorf("bad role: %d, %q", code, stderr)
	}
	code, _, stderr = add("", "-email", "rep@ourco.example")
	if code != 2 || !strings.Contains(stderr, "usage: dealtrail users add") {
		t.Errorf("missing role: %d, %q", code, stderr)
	}
	code, stdout, stderr := add("long enough password\r\nignored second line\n", "-email", "Rep@OurCo.example", "-name", "Rita Rep", "-role", "rep")
	if code != 0 || stdout != "user rep@ourco.example added as rep\n" || stderr != "" {
		t.Errorf("add: %d, %q, %q", code, stdout, stderr)
	}
	code, _, stderr = add("long enough password\n", "-email", "rep@ourco.example", "-role", "leader")
	if code != 1 || !strings.Contains(stderr, "exists already") {
		t.Errorf("duplicate: %d, %q", code, stderr)
	}
	code, _, stderr = add("another long password", "-email", "boss@elsewhere.example", "-role", "rep")
	if code != 0 || !strings.Contains(stderr, "is not under team.members") {
		t.Errorf("a rep outside the team: %d, %q", code, stderr)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, hash, err := st.UserByEmail(context.Background(), "rep@ourco.example")
	if err != nil || u.Role != model.Rep || u.Name != "Rita Rep" {
		t.Fatalf("user %+v, %v", u, err)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("long enough password")); err != nil {
		t.Errorf("stored hash does not match the first line: %v", err)
	}
	if cost, _ := bcrypt.Cost([]byte(hash)); cost != bcrypt.DefaultCost {
		t.Errorf("bcrypt cost %d, want the default", cost)
	}
}

func TestTokensCreate(t *testing.T) {
	cfg, db := writeConfig(t)
	code, stdout, stderr := run(t, "", "tokens", "create", "-config", cfg, "-email", "rep@ourco.example")
	if code != 1 || !strings.Contains(stderr, "no user rep@ourco.example") || stdout != "" {
		t.Errorf("unknown user: %d, %q, %q", code, stdout, stderr)
	}
	if code, _, stderr := run(t, "long enough password\n", "users", "add", "-config", cfg, "-email", "rep@ourco.example", "-role", "rep"); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, stderr = run(t, "", "tokens", "create", "-config", cfg, "-email", "rep@ourco.example", "-name", "CRM sync")
	if code != 0 || !regexp.MustCompile(`^dt_[A-Za-z0-9_-]{43}\n$`).MatchString(stdout) || !strings.Contains(stderr, "shown only this once") {
		t.Fatalf("create: %d, %q, %q", code, stdout, stderr)
	}
	token := strings.TrimSpace(stdout)
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.TokenUser(context.Background(), web.HashToken(token))
	if err != nil || u.Email != "rep@ourco.example" {
		t.Errorf("token user %+v, %v", u, err)
	}
	if _, err := st.TokenUser(context.Background(), token); err == nil {
		t.Error("the store knows the raw token")
	}
	if code, _, _ := run(t, "", "tokens", "list"); code != 2 {
		t.Errorf("tokens list: status %d, want usage", code)
	}
}

func TestServeRunsTheWebServer(t *testing.T) {
	cfg, _ := writeConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testenv.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "-config", cfg}, strings.NewReader(""), &stdout, &stderr)
	}()
	listen := regexp.MustCompile(`listen=(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listen.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("serve did not say where it listens:\n%s", stderr.String())
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Get("http://" + addr + "/deals")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/login" {
		t.Errorf("/deals without a session ended at %s, want the login page", resp.Request.URL)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if !strings.Contains(stderr.String(), "dealtrail stopped") {
		t.Errorf("no stop message:\n%s", stderr.String())
	}
}
