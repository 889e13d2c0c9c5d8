package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/cli"
	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// TestSnippetLengthZeroStoresNoText syncs real mail with
// retention.snippet_length 0 and 40, and checks what export shows.
func TestSnippetLengthZeroStoresNoText(t *testing.T) {
	srv := dovecot.Start(t)
	srv.AddUser(t, "rep1", "pw-rep1")
	msg := customerMessage("rep1", 1)
	msg.Raw = bytes.Replace(msg.Raw, []byte("Please confirm.\r\n"),
		[]byte("Please confirm the order of twelve licences before the end of the quarter, thank you.\r\n"), 1)
	srv.Fill(t, "rep1", "INBOX", []dovecot.Message{msg})
	for _, tc := range []struct {
		length   string
		has, not string
	}{
		{"0", "Order 1", "Please confirm"},
		{"40", "Please confirm the order", "end of the quarter"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "dealtrail.yaml")
		reloadConfig(t, path, "retention: {snippet_length: "+tc.length+"}\n", srv, "rep1")
		var out, errs bytes.Buffer
		if code := cli.Run(context.Background(), []string{"sync", "-once", "-config", path}, strings.NewReader(""), &out, &errs); code != 0 {
			t.Fatalf("sync: %d\n%s%s", code, out.String(), errs.String())
		}
		out.Reset()
		if code := cli.Run(context.Background(), []string{"export", "-config", path, "-format", "json"}, strings.NewReader(""), &out, &errs); code != 0 {
			t.Fatalf("export: %d\n%s", code, errs.String())
		}
		if got := out.String(); !strings.Contains(got, tc.has) || strings.Contains(got, tc.not) {
			t.Errorf("snippet_length %s: export should show %q and not %q:\n%s", tc.length, tc.has, tc.not, got)
		}
	}
}
