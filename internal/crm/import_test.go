package crm

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var team = model.NewTeam([]string{"ourco.example"}, []string{"rep1@ourco.example", "rep2@ourco.example"})

func importString(t *testing.T, st *store.Store, in string) (Summary, error) {
	t.Helper()
	return Import(context.Background(), st, strings.NewReader(in), "deals.csv", team.IsMember)
}

func TestImportCreatesThenUpdatesByID(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	first := header + "\n" +
		"D-1,Pilot,Acme,acme.example,cto@acme.example,rep1@ourco.example,proposal,open,12000,2026-01-05,\n" +
		"D-2,Rollout,Initech,initech.example,,rep2@ourco.example,won,won,500.25,2026-01-06,2026-02-01\n"
	if sum, err := importString(t, st, first); err != nil || sum != (Summary{Created: 2}) {
		t.Fatalf("first import: %+v, %v", sum, err)
	}
	second := header + "\n" +
		"D-1,Pilot,Acme,acme.example,,rep2@ourco.example,negotiation,lost,,2026-01-05,2026-03-01\n" +
		"D-3,Expansion,Acme,acme.example;acme.co.example,,rep1@ourco.example,intro,open,,2026-03-02,\n"
	if sum, err := importString(t, st, second); err != nil || sum != (Summary{Created: 1, Updated: 1}) {
		t.Fatalf("re-import: %+v, %v", sum, err)
	}
	got, err := st.Deals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Deal{
		{ID: "D-1", Name: "Pilot", Account: "Acme", Domains: []string{"acme.co.example", "acme.example"}, Contacts: []string{},
			Owner: "rep2@ourco.example", Stage: "negotiation", Status: model.DealLost, Created: day(1, 5), Closed: day(3, 1)},
		{ID: "D-2", Name: "Rollout", Account: "Initech", Domains: []string{"initech.example"}, Contacts: []string{},
			Owner: "rep2@ourco.example", Stage: "won", Status: model.DealWon, Amount: 500.25, Created: day(1, 6), Closed: day(2, 1)},
		{ID: "D-3", Name: "Expansion", Account: "Acme", Domains: []string{"acme.co.example", "acme.example"}, Contacts: []string{},
			Owner: "rep1@ourco.example", Stage: "intro", Status: model.DealOpen, Created: day(3, 2)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored deals:\n got  %+v\n want %+v", got, want)
	}
}

func TestImportRefusals(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	seed := header + "\n" + "D-1,Pilot,Acme,acme.example,,rep1@ourco.example,proposal,open,,2026-01-05,\n"
	if _, err := importString(t, st, seed); err != nil {
		t.Fatal(err)
	}
	before, err := st.Deals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"owner not in the team", header + "\n" +
			"D-1,Pilot,Acme,acme.example,,rep1@ourco.example,closing,open,,2026-01-05,\n" +
			"D-2,Other,Initech,,,boss@ourco.example,x,open,,2026-01-05,\n",
			`deals.csv:3: owner: "boss@ourco.example" is not a team member`},
		{"file gives a domain to two accounts", header + "\n" +
			"D-1,Pilot,Acme,acme.example,,rep1@ourco.example,closing,open,,2026-01-05,\n" +
			"D-3,Fine,Initech,initech.example,,rep1@ourco.example,x,open,,2026-01-05,\n" +
			"D-4,Clash,Other,acme.example,,rep2@ourco.example,x,open,,2026-01-05,\n",
			`deals.csv:4: domains: acme.example belongs to account "Acme" on line 2`},
		{"store refuses a domain it holds", header + "\n" +
			"D-3,Fine,Initech,initech.example,,rep1@ourco.example,x,open,,2026-01-05,\n" +
			"\n" +
			"D-4,Clash,Other,acme.example,,rep2@ourco.example,x,open,,2026-01-05,\n",
			`deals.csv:4: deal D-4: domain acme.example already belongs to account "Acme"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := importString(t, st, tt.in)
			if err == nil || err.Error() != tt.want || sum != (Summary{}) {
				t.Fatalf("Import = %+v, %v\n want error %s", sum, err, tt.want)
			}
			var le *LineError
			if !errors.As(err, &le) || le.File != "deals.csv" {
				t.Errorf("error %v is not a LineError", err)
			}
			after, err := st.Deals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("a refused import changed the database:\n before %+v\n after  %+v", before, after)
			}
		})
	}
}

func TestImportStoreErrorIsDealError(t *testing.T) {
	st := openStore(t)
	if _, err := importString(t, st, header+"\nD-1,Pilot,Acme,acme.example,,rep1@ourco.example,x,open,,2026-01-05,\n"); err != nil {
		t.Fatal(err)
	}
	_, err := importString(t, st, header+"\nD-2,Clash,Other,acme.example,,rep1@ourco.example,x,open,,2026-01-05,\n")
	var refused *store.DealError
	if !errors.As(err, &refused) || refused.DealID != "D-2" {
		t.Errorf("error %v does not carry the store's DealError", err)
	}
}
