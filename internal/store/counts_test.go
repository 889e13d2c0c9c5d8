package store

import (
	"context"
	"reflect"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestLinkCounts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s,
		mail("a", 1, "a", 1, "cto@acme.example"),
		mail("b", 2, "b", 2, "cfo@acme.example"),
		mail("c", 3, "c", 3, "x@initech.example"),
		mail("d", 4, "d", 4, "y@gmail.com"))
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	on := model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.85, Reason: "domain"}
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["a"], Link: on}, {ActivityID: ids["b"], Link: on},
		{ActivityID: ids["c"], Link: model.Link{State: model.LinkNone, Reason: "no account"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.LinkCounts(ctx)
	want := map[model.LinkState]int{model.LinkAuto: 2, model.LinkNone: 1, "": 1}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("LinkCounts = %v, %v; want %v", got, err, want)
	}
}
