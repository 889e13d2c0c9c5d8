package cli

import (
	"slices"
	"testing"

	"github.com/dealtrail/dealtrail/internal/config"
)

func TestRestartOnly(t *testing.T) {
	old := &config.Config{Database: "/a.db", Listen: "127.0.0.1:8080", Log: config.DefaultLog(), Retention: config.DefaultRetention(),
		Mailboxes: []config.Mailbox{{Name: "rep1"}}}
	same := *old
	same.Mailboxes = []config.Mailbox{{Name: "rep1"}, {Name: "rep2"}} // pollers change live
	if got := restartOnly(old, &same); len(got) != 0 {
		t.Errorf("a mailbox change needs no restart, got %v", got)
	}
	changed := same
	changed.Listen = ":9090"
	changed.Database = "/b.db"
	changed.Log.Format = config.LogJSON
	if got, want := restartOnly(old, &changed), []string{"database", "listen", "log"}; !slices.Equal(got, want) {
		t.Errorf("restartOnly = %v, want %v", got, want)
	}
}
