package store

import (
	"context"
	"slices"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestImportDealsEnqueuesWhatChanged(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s,
		mail("old-top", 1, "1", 1, "a@acme.example"),
		mail("old-sub", 2, "2", 2, "b@eu.acme.example"),
		mail("new-top", 3, "3", 3, "c@acme-corp.example"),
		mail("new-sub", 4, "4", 4, "d@mail.acme-corp.example"),
		mail("contact", 5, "5", 5, "cto@gmail.example"),
		mail("linked", 6, "6", 6, "e@elsewhere.example"),
		mail("initech", 7, "7", 7, "f@initech.example"),
		mail("stranger", 8, "8", 8, "g@acme.example.org", "h@notacme.example"))
	deals := []model.Deal{
		deal("D-1", "Acme", []string{"acme.example"}, "cto@gmail.example"),
		deal("D-2", "Initech", []string{"initech.example"}),
	}
	res := mustImport(t, s, deals...)
	if !slices.Equal(res.Changed, []string{"D-1", "D-2"}) || version(t, s) != 1 {
		t.Fatalf("first import: %+v, catalog %d", res, version(t, s))
	}
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["linked"], Link: model.Link{DealID: "D-1", State: model.LinkAuto}}}); err != nil {
		t.Fatal(err)
	}

	// The same deals again change nothing.
	clearQueue(t, s)
	if res := mustImport(t, s, deals...); len(res.Changed) != 0 || res.Enqueued != 0 {
		t.Errorf("identical re-import: %+v", res)
	}
	if v := version(t, s); v != 1 {
		t.Errorf("identical re-import bumped the catalog to %d", v)
	}
	if got := queuedIDs(t, s); len(got) != 0 {
		t.Errorf("identical re-import queued %v", got)
	}

	// Acme moves to a new domain: old and new domains with their
	// subdomains, the contact and the linked activity; not Initech's, nor
	// look-alike domains.
	deals[0].Domains = []string{"acme-corp.example"}
	res = mustImport(t, s, deals...)
	want := idsOf(ids, "old-top", "old-sub", "new-top", "new-sub", "contact", "linked")
	if got := queuedIDs(t, s); !slices.Equal(got, want) || res.Enqueued != len(want) {
		t.Errorf("domain change queued %v (%d), want %v", got, res.Enqueued, want)
	}
	if !slices.Equal(res.Changed, []string{"D-1"}) || version(t, s) != 2 {
		t.Errorf("domain change: %+v, catalog %d", res, version(t, s))
	}

	// A stage change alone still re-matches the deal's activities (a
	// closed deal stops being a candidate).
	clearQueue(t, s)
	deals[1].Status = model.DealWon
	res = mustImport(t, s, deals[1])
	if got := queuedIDs(t, s); !slices.Equal(got, idsOf(ids, "initech")) || !slices.Equal(res.Changed, []string{"D-2"}) {
		t.Errorf("status change queued %v, changed %v", got, res.Changed)
	}

	// A new deal of an account that already has a deal changes the
	// account's domains for both when it lists other domains.
	clearQueue(t, s)
	res = mustImport(t, s, deal("D-3", "Acme", []string{"acme.example"}))
	if !slices.Equal(res.Changed, []string{"D-1", "D-3"}) {
		t.Errorf("new deal resetting the account's domains: changed %v, want D-1 and D-3", res.Changed)
	}
	if got := queuedIDs(t, s); !slices.Contains(got, ids["old-top"]) || !slices.Contains(got, ids["new-top"]) || slices.Contains(got, ids["initech"]) {
		t.Errorf("account domain change queued %v", got)
	}

	// A refused import leaves queue and catalog alone.
	clearQueue(t, s)
	v := version(t, s)
	if _, err := s.ImportDeals(ctx, []model.Deal{deal("D-4", "Clash", []string{"initech.example"})}); err == nil {
		t.Fatal("a clashing domain was accepted")
	}
	if got := queuedIDs(t, s); len(got) != 0 || version(t, s) != v {
		t.Errorf("a refused import queued %v, catalog %d (was %d)", got, version(t, s), v)
	}
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}, "cto@gmail.example"))
	if _, err := s.Decide(ctx, DecisionInput{Actor: "rep1@ourco.example", Action: model.ActionRule,
		Rule: &model.Rule{Kind: model.RuleIgnore, Domain: "Newsletter.Example"}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Catalog(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || len(c.Deals) != 1 || c.Deals[0].ID != "D-1" || !slices.Equal(c.Deals[0].Contacts, []string{"cto@gmail.example"}) {
		t.Errorf("catalog = %+v", c)
	}
	if len(c.Rules) != 1 || c.Rules[0].Domain != "newsletter.example" || c.Rules[0].Kind != model.RuleIgnore ||
		c.Rules[0].CreatedBy != "rep1@ourco.example" || c.Rules[0].ID == 0 || c.Rules[0].CreatedAt.IsZero() {
		t.Errorf("rules = %+v", c.Rules)
	}
}

// TestCatalogSince: a catalog read since a version holds exactly the deals
// changed after it, a domain change of an account counting for every deal
// of the account, and every rule.
func TestCatalogSince(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mustImport(t, s,
		deal("D-1", "Acme", []string{"acme.example"}),
		deal("D-2", "Acme", []string{"acme.example"}),
		deal("D-3", "Initech", []string{"initech.example"}))
	v := version(t, s)
	ids := func(since int64) []string {
		t.Helper()
		c, err := s.Catalog(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range c.Deals {
			out = append(out, d.ID)
		}
		return out
	}
	if got := ids(v); got != nil {
		t.Errorf("deals changed since the import = %v, want none", got)
	}

	changed := deal("D-3", "Initech", []string{"initech.example"}, "bill@initech.example")
	mustImport(t, s, changed, deal("D-4", "Hooli", []string{"hooli.example"}))
	if got := ids(v); !slices.Equal(got, []string{"D-3", "D-4"}) {
		t.Errorf("deals changed since version %d = %v, want D-3 and D-4", v, got)
	}
	c, err := s.Catalog(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != version(t, s) || !slices.Equal(c.Deals[0].Contacts, changed.Contacts) || !slices.Equal(c.Deals[0].Domains, changed.Domains) {
		t.Errorf("catalog since %d = %+v", v, c)
	}

	v = version(t, s)
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example", "acme-labs.example"}))
	if got := ids(v); !slices.Equal(got, []string{"D-1", "D-2"}) {
		t.Errorf("after Acme gained a domain, changed deals = %v, want both of Acme's", got)
	}
	if got := ids(0); len(got) != 4 {
		t.Errorf("catalog since 0 = %v, want every deal", got)
	}
}
