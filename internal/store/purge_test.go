package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// purgeWorld stores a small world around bob@acme.example: his mail and
// the team's replies, a colleague's mail that names him, his meeting, a
// call with him, a review item, a deal contact, a rule, audit rows, a
// source error and a rejected message that name him; and what must stay:
// the colleague's other mail, Initech's, and an unlinked mail from a
// subdomain of acme.example. It returns the activity ids by key.
func purgeWorld(t *testing.T) (*Store, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	s, _ := openTest(t)
	clock := tmin(900)
	s.now = func() time.Time { return clock }
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}, "bob@acme.example"),
		deal("D-2", "Acme", []string{"acme.example"}), deal("D-3", "Initech", []string{"initech.example"}, "carol@initech.example"))
	named := mail("c1", 3, "t2", 3, "cfo@acme.example", "rep1@ourco.example")
	named.Snippet = "Looping in Bob <BOB@Acme.example> for the contract."
	review := mail("r1", 6, "t5", 6, "bob@acme.example", "rep1@ourco.example")
	review.Link = &model.Link{State: model.LinkReview, Method: model.MethodDomain, Reason: "two live deals",
		Candidates: []string{"D-1", "D-2"}}
	ids := batchWith(t, s, "rep1",
		linked(mail("b1", 1, "t1", 1, "bob@acme.example", "rep1@ourco.example"), autoOn("D-1", 0.9)),
		linked(outbound(mail("b2", 2, "t1", 2, "rep1@ourco.example", "bob@acme.example", "cfo@acme.example")), autoOn("D-1", 0.9)),
		linked(named, autoOn("D-1", 0.9)),
		linked(mail("c2", 4, "t3", 4, "cfo@acme.example", "rep1@ourco.example"), autoOn("D-2", 0.7)),
		linked(mail("i1", 5, "t4", 5, "carol@initech.example", "rep1@ourco.example"), autoOn("D-3", 0.9)),
		review,
		mail("u1", 7, "t6", 7, "dave@mail.acme.example", "rep1@ourco.example"))
	for _, id := range saveCal(t, s, "cal:rep1", linked(meeting("m1", 10, 10, 0, "rep1@ourco.example", "bob@acme.example"), autoOn("D-1", 0.9))) {
		ids["m1"] = id
	}
	call, err := s.AddNote(ctx, NoteInput{Kind: model.KindCall, DealID: "D-1", Author: "rep1@ourco.example",
		Subject: "Call with bob@acme.example", Body: "He wants the contract by Friday.", With: []string{"bob@acme.example"}})
	if err != nil {
		t.Fatal(err)
	}
	ids["call"] = call.ID
	if _, err := s.Decide(ctx, DecisionInput{Actor: "lead@ourco.example", Action: model.ActionConfirm, ActivityIDs: []int64{ids["b1"]},
		Link: model.Link{State: model.LinkConfirmed, DealID: "D-1"}, Detail: "whole thread",
		Rule: &model.Rule{Kind: model.RuleDeal, Address: "bob@acme.example", DealID: "D-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, DecisionInput{Actor: "lead@ourco.example", Action: model.ActionConfirm, ActivityIDs: []int64{ids["i1"]},
		Link: model.Link{State: model.LinkConfirmed, DealID: "D-3"}, Detail: "as bob@acme.example asked"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSourceState(ctx, model.SourceState{Source: "mailbox:rep1", ErrorCount: 1, LastAttemptAt: tmin(800),
		LastError: "550 message from bob@acme.example refused"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveFolderBatch(ctx, FolderBatch{Mailbox: "rep1", Folder: "INBOX", Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 120},
		Rejected: []model.RejectedMessage{{UID: 110, Reason: "bad From: <bob@acme.example>>"}, {UID: 111, Reason: "no date"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, model.User{Email: "rep1@ourco.example", Name: "Rita Rep", Role: model.Rep}, "x"); err != nil {
		t.Fatal(err)
	}
	return s, ids
}

// textsWith lists every text value in every table of the database that
// contains needle, case-insensitively, as "table.column: value".
func textsWith(t *testing.T, s *Store, needle string) []string {
	t.Helper()
	var tables []string
	err := eachRow(context.Background(), s.read, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`, nil,
		func(rows *sql.Rows) error {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			tables = append(tables, name)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	needle = strings.ToLower(needle)
	var found []string
	for _, table := range tables {
		rows, err := s.read.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var text string
				switch v := v.(type) {
				case string:
					text = v
				case []byte:
					text = string(v)
				default:
					continue
				}
				if strings.Contains(strings.ToLower(text), needle) {
					found = append(found, fmt.Sprintf("%s.%s: %q", table, cols[i], text))
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return found
}

// checkDerived checks that the deals' figures and the review queue are
// what recomputing them from scratch gives, and that no foreign key is
// broken.
func checkDerived(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	read := func(q queryer) string {
		var b strings.Builder
		for _, query := range []string{
			`SELECT deal_id, emails, meetings, notes, calls, inbound, outbound, last_inbound, last_outbound, last_at, last_met FROM deal_stats ORDER BY deal_id`,
			`SELECT activity_id, at FROM review_items ORDER BY activity_id`,
			`SELECT activity_id, deal_id FROM review_deals ORDER BY activity_id, deal_id`,
			`SELECT activity_id, source FROM review_sources ORDER BY activity_id, source`,
		} {
			err := eachRow(ctx, q, query, nil, func(rows *sql.Rows) error {
				cols, _ := rows.Columns()
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					return err
				}
				fmt.Fprintln(&b, vals...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString("--\n")
		}
		return b.String()
	}
	kept := read(s.read)
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	deals, err := allDealIDs(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	var all []int64
	if err := eachRow(ctx, tx, `SELECT id FROM activities`, nil, func(rows *sql.Rows) error {
		var id int64
		all = append(all, id)
		return rows.Scan(&all[len(all)-1])
	}); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"review_items", "review_deals", "review_sources"} {
		if _, err := tx.Exec(`DELETE FROM ` + table); err != nil {
			t.Fatal(err)
		}
	}
	if err := recomputeDeals(ctx, tx, deals); err != nil {
		t.Fatal(err)
	}
	if err := refreshReview(ctx, tx, all); err != nil {
		t.Fatal(err)
	}
	if fresh := read(tx); fresh != kept {
		t.Errorf("derived rows differ from a recomputation:\n kept\n%s fresh\n%s", kept, fresh)
	}
	var broken int
	if err := eachRow(ctx, tx, `PRAGMA foreign_key_check`, nil, func(*sql.Rows) error { broken++; return nil }); err != nil || broken != 0 {
		t.Errorf("%d broken foreign keys (%v)", broken, err)
	}
}

func TestPurgeAddress(t *testing.T) {
	ctx := context.Background()
	s, ids := purgeWorld(t)
	if found := textsWith(t, s, "bob@acme.example"); len(found) < 10 {
		t.Fatalf("the world names bob in only %d places: %v", len(found), found)
	}
	kept := map[string]model.Activity{}
	for _, k := range []string{"c2", "i1", "u1"} {
		kept[k] = stored(t, s, ids[k])
	}
	catalogBefore := version(t, s)

	plan, err := s.PlanPurge(ctx, PurgeTarget{Address: " Bob@ACME.example "})
	if err != nil {
		t.Fatal(err)
	}
	hash := fmt.Sprintf("%x", sha256.Sum256([]byte("bob@acme.example")))
	want := PurgeReport{Activities: 6, Deals: []string{"D-1"}, Contacts: 1, Rules: 1, Rejected: 1, Audit: 2,
		Redacted: 4, Hash: hash}
	if !reflect.DeepEqual(plan, want) {
		t.Errorf("plan = %+v\n want %+v", plan, want)
	}
	if found := textsWith(t, s, "bob@acme.example"); len(found) < 10 {
		t.Fatalf("the plan changed the database: %v", found)
	}
	got, err := s.Purge(ctx, PurgeTarget{Address: "bob@acme.example"}, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("purge = %+v\n want %+v", got, want)
	}

	if found := textsWith(t, s, "bob@acme.example"); len(found) > 0 {
		t.Errorf("after the purge the database still names him:\n%s", strings.Join(found, "\n"))
	}
	for _, k := range []string{"b1", "b2", "c1", "r1", "m1", "call"} {
		if _, err := s.Activity(ctx, ids[k]); err == nil {
			t.Errorf("activity %s is still there", k)
		}
	}
	for k, before := range kept {
		if after := stored(t, s, ids[k]); !reflect.DeepEqual(after, before) {
			t.Errorf("activity %s changed:\n before %+v\n after  %+v", k, before, after)
		}
	}
	checkDerived(t, s)
	checkFigures(t, s, tmin(0), tmin(5), tmin(2000))
	sum, err := s.DealSummary(ctx, "D-1", tmin(2000))
	if err != nil || sum.Emails+sum.Meetings+sum.Calls != 0 {
		t.Errorf("D-1 after the purge: %+v, %v", sum, err)
	}
	items, total, err := s.ReviewQueue(ctx, ReviewQuery{})
	if err != nil || total != 1 || items[0].ID != ids["c2"] {
		t.Errorf("review queue after the purge: %d items (%v), %v; want the colleague's low-confidence mail", total, items, err)
	}

	// The catalog moved, with D-1 stamped: a daemon reloads its contacts.
	cat, err := s.Catalog(ctx, catalogBefore)
	if err != nil || cat.Version <= catalogBefore || len(cat.Deals) != 1 || cat.Deals[0].ID != "D-1" ||
		len(cat.Deals[0].Contacts) != 0 || len(cat.Rules) != 0 {
		t.Errorf("catalog after the purge: %+v, %v", cat, err)
	}

	// The audit trail says a purge happened, by whom, and the hash.
	rows, err := s.Decisions(ctx, DecisionFilter{Actor: "ops"})
	if err != nil || len(rows) != 2 {
		t.Fatalf("audit rows of the purge: %+v, %v", rows, err)
	}
	summary, onDeal := rows[1], rows[0]
	if summary.Action != model.ActionPurge || !strings.Contains(summary.Detail, "purge of an address (sha256 "+hash+")") ||
		!strings.Contains(summary.Detail, "6 activities, 1 deal contact, 0 account domains, 1 rule, 1 rejected message removed; 6 texts redacted") {
		t.Errorf("summary row: %+v", summary)
	}
	if onDeal.BeforeDeal != "D-1" || onDeal.AfterState != model.LinkRemoved ||
		onDeal.Detail != "5 activities removed from this deal by a purge (sha256 "+hash+")" {
		t.Errorf("deal row: %+v", onDeal)
	}
	all, err := s.Decisions(ctx, DecisionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, d := range all {
		details = append(details, d.Detail)
	}
	for _, want := range []string{"as [purged] asked", "activity removed by a purge", "always link address [purged] to deal D-1"} {
		if !slices.Contains(details, want) {
			t.Errorf("no audit detail %q in %q", want, details)
		}
	}

	// Nothing is left to purge, and a link the matcher computed before
	// the purge is not written back.
	if again, err := s.PlanPurge(ctx, PurgeTarget{Address: "bob@acme.example"}); err != nil ||
		!reflect.DeepEqual(again, PurgeReport{Hash: hash}) {
		t.Errorf("plan after the purge: %+v, %v", again, err)
	}
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["b2"], Link: *autoOn("D-1", 0.9)}}); err != nil {
		t.Errorf("saving the link of a purged activity: %v", err)
	}
	var links int
	if err := s.read.QueryRow(`SELECT count(*) FROM links WHERE activity_id = ?`, ids["b2"]).Scan(&links); err != nil || links != 0 {
		t.Errorf("%d links of a purged activity (%v)", links, err)
	}
}

func TestPurgeDomain(t *testing.T) {
	ctx := context.Background()
	s, ids := purgeWorld(t)
	initech := stored(t, s, ids["i1"])
	catalogBefore := version(t, s)
	rep, err := s.Purge(ctx, PurgeTarget{Domain: "ACME.example."}, "ops")
	if err != nil {
		t.Fatal(err)
	}
	// b1 b2 c1 c2 r1 u1 m1 and the call; D-1 and D-2 lose theirs.
	if rep.Activities != 8 || !reflect.DeepEqual(rep.Deals, []string{"D-1", "D-2"}) || rep.Contacts != 1 ||
		rep.AccountDomains != 1 || rep.Rules != 1 || rep.Rejected != 1 {
		t.Errorf("report %+v", rep)
	}
	if found := textsWith(t, s, "acme.example"); len(found) > 0 {
		t.Errorf("after the purge the database still names the domain:\n%s", strings.Join(found, "\n"))
	}
	if after := stored(t, s, ids["i1"]); !reflect.DeepEqual(after, initech) {
		t.Errorf("Initech's mail changed:\n before %+v\n after  %+v", initech, after)
	}
	checkDerived(t, s)
	checkFigures(t, s, tmin(0), tmin(2000))
	cat, err := s.Catalog(ctx, catalogBefore)
	if err != nil || len(cat.Deals) != 2 || cat.Deals[0].ID != "D-1" || cat.Deals[1].ID != "D-2" ||
		len(cat.Deals[0].Domains) != 0 || len(cat.Deals[0].Contacts) != 0 {
		t.Errorf("catalog after the purge: %+v, %v", cat, err)
	}
	deals, err := s.Deals(ctx)
	if err != nil || len(deals) != 3 {
		t.Errorf("deals after the purge: %+v, %v; the team's deals stay", deals, err)
	}
	if st, err := s.SourceState(ctx, "mailbox:rep1"); err != nil || st.LastError != "550 message from bob@[purged] refused" {
		t.Errorf("source error after the purge: %q, %v", st.LastError, err)
	}
}

// TestPurgeSparesLookalikes purges an address, then its domain, from mail
// that names other addresses and domains that contain them.
func TestPurgeSparesLookalikes(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	k1 := mail("k1", 1, "k1", 1, "jimbob@acme.example")
	k1.Snippet = "Write to bob@acme.example.org, or jim.bob@acme.example, or xbob@acme.example-mail.test."
	k2 := mail("k2", 2, "k2", 2, "x@notacme.example")
	k2.Snippet = "See notacme.example and acme.examples.test."
	k3 := mail("k3", 3, "k3", 3, "bob@acme.example")
	k4 := mail("k4", 4, "k4", 4, "someone@initech.example")
	k4.Snippet = "Reach him at mailto:bob@acme.example."
	k5 := mail("k5", 5, "k5", 5, "someone@initech.example")
	k5.Subject = "Re: acme.example.org pricing"
	ids := save(t, s, k1, k2, k3, k4, k5)
	left := func() []string {
		var out []string
		for _, k := range []string{"k1", "k2", "k3", "k4", "k5"} {
			if _, err := s.Activity(ctx, ids[k]); err == nil {
				out = append(out, k)
			}
		}
		return out
	}
	if _, err := s.Purge(ctx, PurgeTarget{Address: "bob@acme.example"}, "ops"); err != nil {
		t.Fatal(err)
	}
	if got := left(); !reflect.DeepEqual(got, []string{"k1", "k2", "k5"}) {
		t.Errorf("after purging the address: %v left, want k1 k2 k5", got)
	}
	if _, err := s.Purge(ctx, PurgeTarget{Domain: "acme.example"}, "ops"); err != nil {
		t.Fatal(err)
	}
	if got := left(); !reflect.DeepEqual(got, []string{"k2", "k5"}) {
		t.Errorf("after purging the domain: %v left, want k2 k5", got)
	}
}

func TestPurgeRedact(t *testing.T) {
	m, err := newPurgeMatch(PurgeTarget{Address: "bob@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"bob@acme.example,bob@acme.example; Bob@ACME.example.": "[purged],[purged]; [purged].",
		"<bob@acme.example> and jimbob@acme.example":           "<[purged]> and jimbob@acme.example",
		"bob@acme.example.org":                                 "bob@acme.example.org",
		"mailto:bob@acme.example?subject=hi":                   "mailto:[purged]?subject=hi",
	} {
		if got := m.redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPurgeRefuses(t *testing.T) {
	ctx := context.Background()
	s, ids := purgeWorld(t)
	for _, tc := range []struct {
		target PurgeTarget
		actor  string
		want   string
	}{
		{PurgeTarget{}, "ops", "exactly one of an address and a domain"},
		{PurgeTarget{Address: "bob@acme.example", Domain: "acme.example"}, "ops", "exactly one"},
		{PurgeTarget{Address: "bob"}, "ops", `"bob" is not an email address`},
		{PurgeTarget{Address: "bob@"}, "ops", "not an email address"},
		{PurgeTarget{Domain: "example"}, "ops", `"example" is not a domain like acme.com`},
		{PurgeTarget{Domain: "x@acme.example"}, "ops", "not a domain"},
		{PurgeTarget{Address: "rep1@ourco.example"}, "ops", "rep1@ourco.example is the login of a dealtrail user"},
		{PurgeTarget{Domain: "ourco.example"}, "ops", "rep1@ourco.example is the login of a dealtrail user"},
		{PurgeTarget{Address: "bob@acme.example"}, "", "needs an actor"},
	} {
		_, err := s.Purge(ctx, tc.target, tc.actor)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Purge(%+v, %q) = %v, want an error with %q", tc.target, tc.actor, err, tc.want)
		}
	}
	if _, err := s.Activity(ctx, ids["b1"]); err != nil {
		t.Errorf("a refused purge removed something: %v", err)
	}
}

// TestPurgeTextSearchAfter checks that the write transaction's second
// search reads only the activities stored after the first one.
func TestPurgeTextSearchAfter(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	first := mail("k1", 1, "k1", 1, "x@initech.example")
	first.Snippet = "ask bob@acme.example"
	ids := save(t, s, first)
	m, err := newPurgeMatch(PurgeTarget{Address: "bob@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	hits := map[int64]bool{}
	last, err := m.textHits(ctx, s.read, 0, hits)
	if err != nil || last != ids["k1"] || !hits[ids["k1"]] {
		t.Fatalf("first search: last %d, hits %v, %v", last, hits, err)
	}
	later := mail("k2", 2, "k2", 2, "y@initech.example")
	later.Subject = "Re: Bob@acme.example"
	ids = save(t, s, later)
	hits = map[int64]bool{}
	if _, err := m.textHits(ctx, s.read, last, hits); err != nil || len(hits) != 1 || !hits[ids["k2"]] {
		t.Errorf("second search: hits %v, %v; want only the later activity", hits, err)
	}
}
