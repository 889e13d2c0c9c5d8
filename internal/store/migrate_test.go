package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestMigrationsBackfillRDomain upgrades databases of every older version
// holding participants and checks the reversed domains migration 3 fills
// in, that the catalog starts at 0, and that the schema equals schema.sql.
func TestMigrationsBackfillRDomain(t *testing.T) {
	ctx := context.Background()
	v1, err := os.ReadFile("testdata/schema_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := openTest(t)
	want := schemaOf(t, fresh.read)
	for version := 1; version < 3; version++ {
		path := filepath.Join(t.TempDir(), "old.db")
		db, err := sql.Open("sqlite3", dsn(path, false))
		if err != nil {
			t.Fatal(err)
		}
		setup := string(v1)
		for _, m := range migrations[:version-1] {
			setup += ";" + m.sql
		}
		if _, err := db.Exec(setup + `;
			INSERT INTO activities (id, kind, key, at, direction, created_at) VALUES (1, 'email', 'm1@acme.example', 1, 'inbound', 1);
			INSERT INTO participants (activity_id, email, role, pos) VALUES
			  (1, 'cto@mail.Acme.example', 'from', 0), (1, 'rep1@ourco.example', 'to', 1), (1, 'undisclosed-recipients', 'cc', 2);`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
			t.Fatal(err)
		}
		db.Close()

		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("upgrade from version %d: %v", version, err)
		}
		if got := schemaOf(t, s.read); !reflect.DeepEqual(got, want) {
			t.Errorf("from version %d: upgraded schema differs from schema.sql:\n got  %v\n want %v", version, got, want)
		}
		got := map[string]string{}
		err = eachRow(ctx, s.read, `SELECT email, rdomain FROM participants ORDER BY pos`, nil, func(rows *sql.Rows) error {
			var e, r string
			if err := rows.Scan(&e, &r); err != nil {
				return err
			}
			got[e] = r
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantR := map[string]string{"cto@mail.Acme.example": "example.acme.mail", "rep1@ourco.example": "example.ourco",
			"undisclosed-recipients": ""}
		if !reflect.DeepEqual(got, wantR) {
			t.Errorf("from version %d: rdomain = %v, want %v", version, got, wantR)
		}
		if v, err := s.CatalogVersion(ctx); err != nil || v != 0 {
			t.Errorf("from version %d: catalog version %d, %v; want 0", version, v, err)
		}
		// The backfilled domain is found by a domain rule's range.
		if n, err := s.EnqueueAffected(ctx, Affects{Domains: []string{"acme.example"}}); err != nil || n != 1 {
			t.Errorf("from version %d: enqueue by backfilled domain: %d, %v; want 1", version, n, err)
		}
		s.Close()
	}
	if v, err := fresh.CatalogVersion(ctx); err != nil || v != 0 {
		t.Errorf("new database: catalog version %d, %v; want 0", v, err)
	}
}

func TestReverseDomain(t *testing.T) {
	for in, want := range map[string]string{
		"x@mail.acme.example":  "example.acme.mail",
		"x@Acme.Example.":      "example.acme",
		"a@b@localhost":        "localhost",
		"no-at-sign":           "",
		"x@":                   "",
		"quoted\"@x@acme.test": "test.acme",
	} {
		if got := addressRDomain(in); got != want {
			t.Errorf("addressRDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMigrateFromVersion5Backfills upgrades a version 5 database holding
// mail, a meeting, links and sources: the links get their time, kind and
// direction, every deal its figures (as computed from its activities), the
// review queue its items, and synced sources a first success.
func TestMigrateFromVersion5Backfills(t *testing.T) {
	ctx := context.Background()
	v1, err := os.ReadFile("testdata/schema_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v5.db")
	db, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	setup := string(v1)
	for _, m := range migrations[:4] {
		setup += ";" + m.sql
	}
	if _, err := db.Exec(setup + `;
		INSERT INTO accounts (id, name) VALUES (1, 'Acme'), (2, 'Initech');
		INSERT INTO account_domains (domain, account_id) VALUES ('acme.example', 1), ('initech.example', 2);
		INSERT INTO deals (id, name, account_id, owner, stage, status, created_at) VALUES
		  ('D-1', 'Pilot', 1, 'rep1@ourco.example', 'intro', 'open', 1),
		  ('D-2', 'Rollout', 1, 'rep2@ourco.example', 'intro', 'open', 1),
		  ('D-3', 'Initech', 2, 'rep2@ourco.example', 'intro', 'lost', 1);
		INSERT INTO activities (id, kind, key, at, direction, created_at) VALUES
		  (1, 'email', 'm1', 600, 'inbound', 500), (2, 'email', 'm2', 700, 'outbound', 650),
		  (3, 'meeting', 'u1/x', 900, 'outbound', 800), (4, 'meeting', 'u2/x', 5000, 'outbound', 800),
		  (5, 'email', 'm5', 800, 'inbound', 800), (6, 'email', 'm6', 850, 'inbound', 800);
		INSERT INTO participants (activity_id, email, role, pos, rdomain) VALUES
		  (1, 'cto@acme.example', 'from', 0, 'example.acme'), (2, 'cto@acme.example', 'to', 1, 'example.acme'),
		  (3, 'cto@acme.example', 'attendee', 1, 'example.acme'), (4, 'cto@acme.example', 'attendee', 1, 'example.acme'),
		  (5, 'x@mail.initech.example', 'from', 0, 'example.initech.mail'), (6, 'y@nowhere.example', 'from', 0, 'example.nowhere');
		INSERT INTO meetings (activity_id, uid, instance, start, "end", all_day, cancelled) VALUES
		  (3, 'u1', 900, 900, 960, 0, 0), (4, 'u2', 5000, 5000, 5060, 0, 0);
		INSERT INTO sightings (mailbox, folder, uidvalidity, uid, activity_id) VALUES ('rep1', 'INBOX', 7, 1, 1), ('rep1', 'INBOX', 7, 2, 2);
		INSERT INTO calendar_sightings (source, activity_id) VALUES ('rep1', 3);
		INSERT INTO links (activity_id, deal_id, state, method, confidence, reason, candidates, updated_at) VALUES
		  (1, 'D-1', 'auto', 'domain', 0.9, 'domain', '[]', 1), (2, 'D-1', 'confirmed', 'manual', 1, 'confirmed', '[]', 1),
		  (3, 'D-1', 'auto', 'domain', 0.7, 'domain', '["D-2"]', 1), (4, 'D-1', 'auto', 'domain', 0.9, 'domain', '[]', 1),
		  (5, NULL, 'none', '', 0, 'no live deal', '[]', 1), (6, NULL, 'none', '', 0, 'no account', '[]', 1);
		INSERT INTO sources (source, last_success_at) VALUES ('mailbox:rep1', 3000), ('calendar:rep1', 3000), ('mailbox:new', 0);
		PRAGMA user_version = 5;`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade from version 5: %v", err)
	}
	defer s.Close()
	fresh, _ := openTest(t)
	if got, want := schemaOf(t, s.read), schemaOf(t, fresh.read); !reflect.DeepEqual(got, want) {
		t.Errorf("upgraded schema differs from schema.sql:\n got  %v\n want %v", got, want)
	}
	var wrong int
	if err := s.read.QueryRow(`SELECT count(*) FROM links AS l JOIN activities AS a ON a.id = l.activity_id
		WHERE l.at <> a.at OR l.kind <> a.kind OR l.direction <> a.direction`).Scan(&wrong); err != nil || wrong != 0 {
		t.Errorf("%d links with another time, kind or direction than their activity (%v)", wrong, err)
	}
	versions := checkFigures(t, s, time.Unix(0, 0), time.Unix(850, 0), time.Unix(4000, 0), time.Unix(9000, 0))
	if versions["D-1"] != 1 || versions["D-3"] != 1 {
		t.Errorf("versions after the backfill = %v, want 1", versions)
	}
	sum, err := s.DealSummary(ctx, "D-1", time.Unix(4000, 0))
	if err != nil || sum.Emails != 2 || sum.Meetings != 2 || !sum.LastMet.Equal(time.Unix(900, 0).UTC()) ||
		!sum.NextMeeting.Equal(time.Unix(5000, 0).UTC()) || !sum.LastActivity.Equal(time.Unix(900, 0).UTC()) {
		t.Errorf("D-1 after the upgrade = %+v, %v", sum, err)
	}
	items, total, err := s.ReviewQueue(ctx, ReviewQuery{})
	if err != nil || total != 2 || len(items) != 2 || items[0].ID != 3 || items[1].ID != 5 {
		t.Errorf("review queue after the upgrade = %+v (total %d), %v; want the unsure meeting and Initech's mail", items, total, err)
	}
	for source, want := range map[string]int64{"mailbox:rep1": 500, "calendar:rep1": 800, "mailbox:new": 0} {
		if st, err := s.SourceState(ctx, source); err != nil || unixSeconds(st.FirstSuccessAt) != want {
			t.Errorf("first success of %s = %v, %v; want %d", source, st.FirstSuccessAt, err, want)
		}
	}
}
