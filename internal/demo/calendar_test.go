package demo

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/calparse"
	"github.com/dealtrail/dealtrail/internal/model"
)

// parseFeed parses a member's feed in the default window around now.
func parseFeed(t *testing.T, team *Team, user string) []model.Occurrence {
	t.Helper()
	feed := team.CalendarFeed(user)
	res, err := calparse.Parse(feed, calparse.Window{Start: team.Now.AddDate(-1, 0, 0), End: team.Now.AddDate(0, 0, 90)})
	if err != nil {
		t.Fatalf("parse %s's feed: %v\n%s", user, err, feed)
	}
	if len(res.Problems) > 0 {
		t.Errorf("problems parsing %s's feed: %v", user, res.Problems)
	}
	return res.Occurrences
}

func TestCalendarFeed(t *testing.T) {
	for _, now := range []time.Time{testNow, time.Date(2025, 3, 30, 23, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)} {
		t.Run(now.Format(time.DateOnly), func(t *testing.T) {
			team := Generate(DefaultSeed, now)
			byUID := map[string][]model.Occurrence{}
			for _, o := range parseFeed(t, team, "alice") {
				byUID[o.UID] = append(byUID[o.UID], o)
			}
			series := byUID[team.Cases.Series]
			if len(series) != 12 {
				t.Fatalf("the series has %d occurrences, want 12", len(series))
			}
			zone, _ := time.LoadLocation(CalendarZone)
			var moved, cancelled, future int
			for _, o := range series {
				local := o.Instance.In(zone)
				if local.Weekday() != time.Tuesday || local.Hour() != 11 {
					t.Errorf("instance %s is not on a Tuesday at 11:00 %s", local, CalendarZone)
				}
				if !o.Start.Equal(o.Instance) {
					moved++
					if want := o.Instance.Add(27*time.Hour + 30*time.Minute); !o.Start.Equal(want) {
						t.Errorf("the moved instance starts at %s, want %s", o.Start, want)
					}
					if o.Cancelled {
						t.Error("the moved instance is cancelled")
					}
				}
				if o.Cancelled {
					cancelled++
				}
				if o.Start.After(now) {
					future++
				}
				if o.End.Sub(o.Start) != 30*time.Minute {
					t.Errorf("instance %s lasts %s", o.Instance, o.End.Sub(o.Start))
				}
				var accepted, declined int
				for _, p := range o.Participants {
					if strings.HasSuffix(p.Email, "hooli.example") || strings.HasSuffix(p.Email, "hooli-mail.example") {
						switch p.Status {
						case model.PartAccepted:
							accepted++
						case model.PartDeclined:
							declined++
						}
					}
				}
				if accepted != 1 || declined != 1 {
					t.Errorf("instance %s has %d customers accepting and %d declining, want 1 and 1", o.Instance, accepted, declined)
				}
			}
			if moved != 1 || cancelled != 1 || future < 3 {
				t.Errorf("the series has %d moved, %d cancelled, %d future instances; want 1, 1, at least 3", moved, cancelled, future)
			}

			// Bob's calendar: the internal meetings and his deal's
			// meetings, one still to come.
			byUID = map[string][]model.Occurrence{}
			for _, o := range parseFeed(t, team, "bob") {
				byUID[o.UID] = append(byUID[o.UID], o)
			}
			for _, m := range team.Meetings {
				if !m.Takes("bob@" + Domain) {
					if len(byUID[m.UID]) > 0 {
						t.Errorf("bob's feed has %q, which he does not take part in", m.Summary)
					}
					continue
				}
				if got := len(byUID[m.UID]); got != len(m.Instances()) {
					t.Errorf("bob's feed has %d occurrences of %q, want %d", got, m.Summary, len(m.Instances()))
				}
				for _, o := range byUID[m.UID] {
					if o.Summary != m.Summary {
						t.Errorf("occurrence of %s has summary %q, want %q", m.UID, o.Summary, m.Summary)
					}
					internal := !slices.ContainsFunc(o.Participants, func(p model.Participant) bool { return !strings.HasSuffix(p.Email, "@"+Domain) })
					if internal != (m.Deal == "") {
						t.Errorf("%q: internal %v, deal %q", m.Summary, internal, m.Deal)
					}
				}
			}
			var internal, next bool
			for _, m := range team.Meetings {
				if m.Deal == "" && m.Count > 0 && m.Takes("bob@"+Domain) {
					internal = true
				}
				if m.Deal != "" && m.Start.After(now) && m.Takes("bob@"+Domain) {
					next = true
				}
			}
			if !internal || !next {
				t.Errorf("bob's calendar lacks an internal series (%v) or a meeting to come (%v)", internal, next)
			}
		})
	}
}

// TestCalendarDeals checks the meetings are with the people of their
// deals, and none is on the deal that went dark (a meeting would break
// the customer's silence).
func TestCalendarDeals(t *testing.T) {
	team := Generate(DefaultSeed, testNow)
	for _, m := range team.Meetings {
		if m.Deal == "" {
			continue
		}
		if m.Deal == team.Cases.GoneDark {
			t.Errorf("%q is on the gone-dark deal", m.Summary)
		}
		d, ok := team.Deal(m.Deal)
		if !ok || d.Status != model.DealOpen {
			t.Errorf("%q is on %s, not an open deal", m.Summary, m.Deal)
			continue
		}
		for _, a := range m.Attendees {
			if !strings.HasSuffix(a.Email, "@"+Domain) && !slices.Contains(d.Contacts, a.Email) {
				t.Errorf("%q: %s is no contact of %s", m.Summary, a.Email, m.Deal)
			}
		}
	}
}

func TestFeedServer(t *testing.T) {
	team := Generate(DefaultSeed, testNow)
	srv, err := StartFeeds(team, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	get := func(url string, header http.Header) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	resp, body := get(srv.URL("carol"), nil)
	if resp.StatusCode != http.StatusOK || string(body) != string(team.CalendarFeed("carol")) {
		t.Fatalf("GET carol's feed: %s\n%s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("Content-Type %q", ct)
	}
	resp, _ = get(srv.URL("carol"), http.Header{"If-Modified-Since": {resp.Header.Get("Last-Modified")}})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %s, want 304", resp.Status)
	}
	if resp, _ = get(srv.URL("mallory"), nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET an unknown feed: %s, want 404", resp.Status)
	}
}
