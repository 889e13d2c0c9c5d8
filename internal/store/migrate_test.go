package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
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
		rows, err := s.read.Query(`SELECT email, rdomain FROM participants ORDER BY pos`)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for rows.Next() {
			var e, r string
			if err := rows.Scan(&e, &r); err != nil {
				t.Fatal(err)
			}
			got[e] = r
		}
		rows.Close()
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
