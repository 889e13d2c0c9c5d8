package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/store"
)

func TestBackupCommand(t *testing.T) {
	cfg, db := writeConfig(t)
	seed(t, db)
	out := filepath.Join(t.TempDir(), "backup.db")
	code, stdout, stderr := run(t, "", "backup", "-config", cfg, out)
	want := regexp.MustCompile(`^backed up .*dealtrail\.db to .*backup\.db in \S+: [0-9.]+ KiB, schema version \d+, 3 activities, 1 deals; integrity_check ok\n$`)
	if code != 0 || !want.MatchString(stdout) || stderr != "" {
		t.Errorf("backup: %d, %q, %q", code, stdout, stderr)
	}
	info, err := store.CheckDatabase(context.Background(), out)
	if err != nil || info.Activities != 3 || info.SchemaVersion != store.CurrentSchemaVersion() {
		t.Errorf("the copy: %+v, %v", info, err)
	}
	code, _, stderr = run(t, "", "backup", "-config", cfg, out)
	if code != 1 || !strings.Contains(stderr, out) || !strings.Contains(stderr, "already exists") {
		t.Errorf("backup over the copy: %d, %q", code, stderr)
	}
	other := filepath.Join(t.TempDir(), "b.db")
	if code, stdout, stderr := run(t, "", "backup", "-database", db, other); code != 0 || !strings.Contains(stdout, "3 activities") {
		t.Errorf("backup -database: %d, %q, %q", code, stdout, stderr)
	}
	for _, args := range [][]string{{"backup", "-config", cfg}, {"backup", out}, {"backup", "-config", cfg, "-database", db, out}} {
		if code, _, stderr := run(t, "", args...); code != 2 || !strings.Contains(stderr, "usage: dealtrail backup") {
			t.Errorf("%v: %d, %q", args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(out), "backup.db-journal")); err == nil {
		t.Error("a journal is left beside the copy")
	}
}
