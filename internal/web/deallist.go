package web

import (
	"cmp"
	"context"
	"html/template"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/timeline"
)

// dealRow is a deal of the list with how stale it is.
type dealRow struct {
	store.DealSummary
	Stale timeline.Staleness
	// search is what the search box matches: ID, name, account and
	// domains, lower-cased; name and owner are lower-cased too.
	search, name, owner string
	// index is the row's place in dealList.rows.
	index int
}

// dealList is every deal with its figures, as kept in memory.
type dealList struct {
	rows []dealRow // by ID
	byID map[string]int
	// orders holds, for each sort order, the indices of rows in it:
	// sorted once per load, not per request.
	orders map[string][]int
	// owners and stages are the distinct values, for the filters.
	owners, stages []string
	// filtered keeps the rows each filter kept, by filter.
	mu       sync.Mutex
	filtered map[dealFilter][]*dealRow
	// html holds the rows rendered so far, by index.
	html []template.HTML
}

// deal returns the deal with id.
func (l *dealList) deal(id string) (dealRow, bool) {
	i, ok := l.byID[id]
	if !ok {
		return dealRow{}, false
	}
	return l.rows[i], true
}

// owner is the owner of the deal id, or "".
func (l *dealList) owner(id string) string {
	d, _ := l.deal(id)
	return d.Owner
}

// dealList returns the deals list, from memory when fresh.
func (s *Server) dealList(ctx context.Context) (*dealList, error) {
	return s.deals.get(ctx, s.loadDealList)
}

// loadDealList reads every deal's figures and assesses each.
func (s *Server) loadDealList(ctx context.Context) (*dealList, error) {
	now := s.now()
	sums, err := s.st.DealSummaries(ctx, now)
	if err != nil {
		return nil, err
	}
	l := &dealList{rows: make([]dealRow, len(sums)), byID: make(map[string]int, len(sums))}
	owners, stages := map[string]bool{}, map[string]bool{}
	opts := s.timelineOptions(now)
	for i, d := range sums {
		l.rows[i] = dealRow{
			DealSummary: d,
			Stale:       timeline.Assess(d.Status, d.LastInbound, d.LastMet, d.LastOutbound, opts),
			search:      strings.ToLower(strings.Join(append([]string{d.ID, d.Name, d.Account}, d.Domains...), "\x00")),
			name:        strings.ToLower(d.Name),
			owner:       strings.ToLower(d.Owner),
			index:       i,
		}
		l.byID[d.ID] = i
		owners[d.Owner] = true
		if d.Stage != "" {
			stages[d.Stage] = true
		}
	}
	for _, m := range s.opts.Members {
		owners[strings.ToLower(m.Email)] = true
	}
	delete(owners, "")
	l.owners = sortedKeys(owners)
	l.stages = sortedKeys(stages)
	l.orders = map[string][]int{}
	for name, cmpRows := range map[string]func(a, b *dealRow) int{
		sortStale: compareStale,
		sortName: func(a, b *dealRow) int {
			return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.ID, b.ID))
		},
		sortLastActivity: func(a, b *dealRow) int {
			return cmp.Or(b.LastActivity.Compare(a.LastActivity), cmp.Compare(a.ID, b.ID))
		},
	} {
		order := make([]int, len(l.rows))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return cmpRows(&l.rows[a], &l.rows[b]) })
		l.orders[name] = order
	}
	return l, nil
}

// timelineOptions are the thresholds of staleness and gaps as of now.
func (s *Server) timelineOptions(now time.Time) timeline.Options {
	return timeline.Options{Now: now, GoneDarkAfter: s.opts.UI.GoneDarkAfter, GapAtLeast: s.opts.UI.GapAtLeast}
}

// dealFilter is what the deals list is narrowed and ordered by.
type dealFilter struct {
	Owner, Status, Stage, Q string
	// Sort is "stale" (the default), "name" or "last_activity".
	Sort string
}

// Sort orders of the deals list.
const (
	sortStale        = "stale"
	sortName         = "name"
	sortLastActivity = "last_activity"
)

// normalise fills in defaults and drops values the list does not know.
func (f dealFilter) normalise() dealFilter {
	f.Q = strings.TrimSpace(f.Q)
	switch model.DealStatus(f.Status) {
	case model.DealOpen, model.DealWon, model.DealLost:
	default:
		f.Status = ""
	}
	switch f.Sort {
	case sortName, sortLastActivity:
	default:
		f.Sort = sortStale
	}
	return f
}

// apply returns the deals of l that pass f, in its order.
func (f dealFilter) apply(l *dealList) []*dealRow {
	l.mu.Lock()
	out, ok := l.filtered[f]
	l.mu.Unlock()
	if ok {
		return out
	}
	out = f.filter(l)
	l.mu.Lock()
	if l.filtered == nil || len(l.filtered) >= 256 {
		l.filtered = map[dealFilter][]*dealRow{}
	}
	l.filtered[f] = out
	l.mu.Unlock()
	return out
}

func (f dealFilter) filter(l *dealList) []*dealRow {
	q := strings.ToLower(f.Q)
	owner := strings.ToLower(f.Owner)
	order := l.orders[f.Sort]
	out := make([]*dealRow, 0, len(order))
	for _, i := range order {
		r := &l.rows[i]
		if f.Owner != "" && r.owner != owner ||
			f.Status != "" && string(r.Status) != f.Status ||
			f.Stage != "" && r.Stage != f.Stage ||
			q != "" && !strings.Contains(r.search, q) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// compareStale puts gone-dark deals first, then open deals by how long
// the customer has been silent (longest first, never heard from last),
// then closed deals; ties by ID.
func compareStale(a, b *dealRow) int {
	if a.Stale.GoneDark != b.Stale.GoneDark {
		if a.Stale.GoneDark {
			return -1
		}
		return 1
	}
	aOpen, bOpen := a.Status == model.DealOpen, b.Status == model.DealOpen
	if aOpen != bOpen {
		if aOpen {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(b.Stale.DaysSilent, a.Stale.DaysSilent), cmp.Compare(a.ID, b.ID))
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
