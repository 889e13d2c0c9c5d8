package cli_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// seed stores a deal of Acme with bob as a contact, two emails with bob
// and one with Initech, through the store API; it returns the store,
// closed by the test's cleanup.
func seed(t *testing.T, db string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if _, err := st.ImportDeals(ctx, []model.Deal{{ID: "D-1", Name: "Pilot", Account: "Acme", Domains: []string{"acme.example"},
		Contacts: []string{"bob@acme.example"}, Owner: "rep@ourco.example", Stage: "intro", Status: model.DealOpen, Created: at}}); err != nil {
		t.Fatal(err)
	}
	catalog, err := st.CatalogVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var acts []model.Activity
	for i, from := range []string{"bob@acme.example", "bob@acme.example", "carol@initech.example"} {
		a := model.Activity{Kind: model.KindEmail, Key: "m" + string(rune('1'+i)) + "@x", At: at.Add(time.Duration(i) * time.Hour),
			Direction: model.Inbound, Subject: "Hello",
			Participants: []model.Participant{{Email: from, Role: model.RoleFrom}, {Email: "rep@ourco.example", Role: model.RoleTo}},
			Sightings:    []model.Sighting{{Mailbox: "rep", Folder: "INBOX", UIDValidity: 1, UID: uint32(i + 1)}}}
		if strings.HasSuffix(from, "acme.example") {
			a.Link = &model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodContact, Confidence: 0.95, Reason: "contact"}
		}
		acts = append(acts, a)
	}
	if err := st.SaveFolderBatch(ctx, store.FolderBatch{Mailbox: "rep", Folder: "INBOX", Activities: acts, CatalogVersion: catalog,
		Checkpoint: model.FolderState{UIDValidity: 1, LastUID: 3}}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestPurgeCommand(t *testing.T) {
	ctx := context.Background()
	cfg, db := writeConfig(t)
	st := seed(t, db)

	code, stdout, stderr := run(t, "", "purge", "-config", cfg, "-address", "Bob@Acme.example")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "purge of address bob@acme.example would remove:\n  2 activities") ||
		!strings.Contains(stdout, "1 deal contact, 0 account domains, 0 rules") || !strings.Contains(stdout, "recomputed: D-1") ||
		!strings.HasSuffix(stdout, "nothing was changed: run again with -yes to remove it\n") {
		t.Errorf("plan: %d, %q, %q", code, stdout, stderr)
	}
	if acts, err := st.Activities(ctx); err != nil || len(acts) != 3 {
		t.Fatalf("the plan changed the database: %d activities, %v", len(acts), err)
	}

	code, stdout, stderr = run(t, "", "purge", "-config", cfg, "-address", "bob@acme.example", "-yes")
	if code != 0 || !strings.Contains(stdout, "purged address bob@acme.example, removing:\n  2 activities") ||
		!regexp.MustCompile(`SHA-256 of the address \([0-9a-f]{64}\)`).MatchString(stdout) ||
		!strings.Contains(stderr, "note: delete the mail from the team's mailboxes") ||
		!strings.Contains(stderr, "deals import") {
		t.Errorf("purge: %d, %q, %q", code, stdout, stderr)
	}
	acts, err := st.Activities(ctx)
	if err != nil || len(acts) != 1 || acts[0].Participants[0].Email != "carol@initech.example" {
		t.Errorf("after the purge: %+v, %v", acts, err)
	}
	rows, err := st.Decisions(ctx, store.DecisionFilter{})
	if err != nil || len(rows) != 2 || rows[0].Action != model.ActionPurge || rows[0].Actor == "" ||
		strings.Contains(rows[0].Detail+rows[1].Detail, "bob") {
		t.Errorf("audit rows: %+v, %v", rows, err)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-address", "rep@ourco.example"}, 1, "is a member of the team"},
		{[]string{"-address", "someone@sales.ourco.example"}, 1, "is at a team domain (team.domains)"},
		{[]string{"-domain", "ourco.example"}, 1, "is the team's domain"},
		{[]string{"-domain", "co.uk"}, 1, "co.uk is a public suffix"},
		{[]string{"-domain", "localhost"}, 1, "not a domain like acme.com"},
		{[]string{"-address", "bob"}, 1, `"bob" is not an email address`},
		{[]string{}, 2, "usage: dealtrail purge"},
		{[]string{"-address", "a@b.example", "-domain", "b.example"}, 2, "usage: dealtrail purge"},
	} {
		code, _, stderr := run(t, "", append([]string{"purge", "-config", cfg}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("purge %v: %d, %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
