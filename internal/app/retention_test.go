package app

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// openTest opens an app on a fresh database with the given retention.
func openTest(t *testing.T, r config.Retention, logs *bytes.Buffer) *App {
	t.Helper()
	cfg := &config.Config{Database: filepath.Join(t.TempDir(), "dealtrail.db"), Retention: r,
		Team: config.Team{Domains: []string{"ourco.example"}, Members: []config.Member{{Email: "rep1@ourco.example"}}}}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// unlinkedMail stores an email no deal fits, at the given time.
func unlinkedMail(t *testing.T, a *App, key string, uid uint32, at time.Time) {
	t.Helper()
	ctx := context.Background()
	v, err := a.Store.CatalogVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	act := model.Activity{Kind: model.KindEmail, Key: key, At: at, Direction: model.Inbound, Subject: "Hello",
		Participants: []model.Participant{{Email: "x@stranger.example", Role: model.RoleFrom}, {Email: "rep1@ourco.example", Role: model.RoleTo}},
		Sightings:    []model.Sighting{{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 1, UID: uid}},
		Link:         &model.Link{State: model.LinkNone, Reason: "no deal fits"}}
	err = a.Store.SaveFolderBatch(ctx, store.FolderBatch{Mailbox: "rep1", Folder: "INBOX",
		Checkpoint: model.FolderState{UIDValidity: 1, LastUID: uid}, Activities: []model.Activity{act}, CatalogVersion: v})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPruneUnlinked(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	a := openTest(t, config.Retention{UnlinkedAfter: 30 * 24 * time.Hour}, &logs)
	unlinkedMail(t, a, "old@x", 1, now.Add(-40*24*time.Hour))
	unlinkedMail(t, a, "new@x", 2, now.Add(-10*24*time.Hour))
	if n := a.PruneUnlinked(context.Background(), now); n != 1 {
		t.Errorf("pruned %d, want 1\n%s", n, logs.String())
	}
	counts, err := a.Store.LinkCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[model.LinkNone] != 1 {
		t.Errorf("link counts after the prune = %v, want the recent mail left", counts)
	}
	if !strings.Contains(logs.String(), "msg=\"deleted old unlinked activities\" deleted=1") {
		t.Errorf("the prune is not logged with its count:\n%s", logs.String())
	}

	// unlinked_after 0 keeps everything.
	keep := openTest(t, config.Retention{}, &logs)
	unlinkedMail(t, keep, "old@x", 1, now.Add(-4000*24*time.Hour))
	if n := keep.PruneUnlinked(context.Background(), now); n != 0 {
		t.Errorf("unlinked_after 0 pruned %d", n)
	}
	// With a context that never ends, only the unlinked_after 0 guard
	// lets RunRetention return.
	returned := make(chan struct{})
	go func() { keep.RunRetention(context.Background()); close(returned) }()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Error("RunRetention with unlinked_after 0 did not return at once")
	}
}

func TestSnippetLength(t *testing.T) {
	for _, tc := range []struct{ configured, want int }{{0, config.DefaultSnippetLength}, {-1, -1}, {500, 500}} {
		if got := SnippetLength(&config.Config{Retention: config.Retention{SnippetLength: tc.configured}}); got != tc.want {
			t.Errorf("SnippetLength(%d) = %d, want %d", tc.configured, got, tc.want)
		}
	}
}
