package calsync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// changes is what changed in a calendar since its previous state.
type changes struct {
	keep  map[string]string // objects known and unchanged: path -> ETag
	fetch map[string]string // objects to fetch: path -> ETag listed ("" if none)
	token string            // the sync token the listing is current to ("" if none)
}

// syncCalendar brings one changed calendar up to date: what changed, then
// the new and changed objects. Objects the server fails on are returned as
// problems and left out of the state, whose CTag and sync token then stay
// those of prev, so that the next poll asks again.
func (c *CalDAV) syncCalendar(ctx context.Context, cal calendar, prev model.CalendarState) ([]Object, model.CalendarState, []string, error) {
	ch, err := c.changesOf(ctx, cal, prev)
	if err != nil {
		return nil, model.CalendarState{}, nil, err
	}
	got, problems, err := c.fetchObjects(ctx, cal.path, ch.fetch)
	if err != nil {
		return nil, model.CalendarState{}, nil, err
	}
	state := model.CalendarState{CTag: cal.ctag, SyncToken: ch.token, Objects: ch.keep}
	if state.SyncToken == "" {
		state.SyncToken = cal.syncToken
	}
	objects := make([]Object, 0, len(got))
	for _, o := range got {
		state.Objects[o.path] = o.etag
		objects = append(objects, Object{Path: o.path, Data: o.data})
	}
	if len(problems) > 0 {
		state.CTag, state.SyncToken = prev.CTag, prev.SyncToken
	}
	if len(state.Objects) == 0 {
		state.Objects = nil
	}
	return objects, state, problems, nil
}

// changesOf finds what changed in cal since prev: by sync-collection from
// prev's sync token when both sides have one, else (or when the server no
// longer knows that token) by listing every object's ETag.
func (c *CalDAV) changesOf(ctx context.Context, cal calendar, prev model.CalendarState) (changes, error) {
	if cal.syncToken != "" && prev.SyncToken != "" {
		ch, err := c.syncChanges(ctx, cal.path, prev)
		if err == nil || fatal(err) {
			return ch, err
		}
		// 403/409 (valid-sync-token), 507 (truncated) or another refusal:
		// a full listing gives the same answer at a higher price.
	}
	listed, err := c.listETags(ctx, cal.path)
	if err != nil {
		return changes{}, err
	}
	ch := changes{keep: map[string]string{}, fetch: map[string]string{}}
	for path, etag := range listed {
		if old, ok := prev.Objects[path]; ok && old == etag && etag != "" {
			ch.keep[path] = etag
		} else {
			ch.fetch[path] = etag
		}
	}
	return ch, nil
}

// syncChanges asks for the changes since prev's sync token (RFC 6578).
func (c *CalDAV) syncChanges(ctx context.Context, calPath string, prev model.CalendarState) (changes, error) {
	body, _, err := c.client.send(ctx, c.endpoint, "REPORT", calPath, "", syncCollection(prev.SyncToken))
	if err != nil {
		return changes{}, err
	}
	entries, token, err := parseMultistatus(body)
	if err != nil {
		return changes{}, err
	}
	ch := changes{keep: maps.Clone(prev.Objects), fetch: map[string]string{}, token: token}
	if ch.keep == nil {
		ch.keep = map[string]string{}
	}
	for _, e := range entries {
		if samePath(e.path, calPath) || !strings.HasPrefix(e.path, calPath) || e.isCollection() {
			continue
		}
		switch {
		case e.status == http.StatusNotFound || e.status == http.StatusGone:
			delete(ch.keep, e.path) // deleted: dropped from the state, never from the store
		case e.status/100 == 2:
			if old, ok := ch.keep[e.path]; ok && old == e.prop.ETag && old != "" {
				continue
			}
			delete(ch.keep, e.path)
			ch.fetch[e.path] = e.prop.ETag
		}
	}
	return ch, nil
}

// listETags lists the event objects of a calendar with their ETags: a
// calendar-query for VEVENTs (ending after now minus Past, if set), or a
// PROPFIND of the members should the server refuse the query.
func (c *CalDAV) listETags(ctx context.Context, calPath string) (map[string]string, error) {
	var since time.Time
	if c.opts.Past > 0 {
		since = c.opts.Now().Add(-c.opts.Past)
	}
	query := queryETags(since)
	body, _, err := c.client.send(ctx, c.endpoint, "REPORT", calPath, "1", query)
	if err != nil && !fatal(err) {
		body, _, err = c.client.send(ctx, c.endpoint, "PROPFIND", calPath, "1", propfindETags)
	}
	if err != nil {
		return nil, err
	}
	entries, _, err := parseMultistatus(body)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		if e.status/100 != 2 || samePath(e.path, calPath) || !strings.HasPrefix(e.path, calPath) || e.isCollection() {
			continue
		}
		out[e.path] = e.prop.ETag
	}
	return out, nil
}

// fetchedObject is one object brought by a multiget or a GET.
type fetchedObject struct {
	path string
	etag string
	data []byte
}

// fetchObjects fetches the objects at the paths of want (with the ETags
// they were listed with) by calendar-multiget, in batches; the objects a
// multiget does not bring, and every object of a multiget that fails, are
// fetched one by one with GET. An object that is gone by then is skipped;
// one the server fails on becomes a problem, "path: reason".
func (c *CalDAV) fetchObjects(ctx context.Context, calPath string, want map[string]string) ([]fetchedObject, []string, error) {
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []fetchedObject
	var problems []string
	for len(paths) > 0 {
		batch := paths[:min(multigetBatch, len(paths))]
		paths = paths[len(batch):]
		got, err := c.multiget(ctx, calPath, batch)
		if err != nil && fatal(err) {
			return nil, nil, err
		}
		for _, p := range batch {
			if o, ok := got[p]; ok {
				if o.data != nil {
					out = append(out, withETag(o, want[p]))
				}
				continue // brought, or gone (404)
			}
			o, err := c.getObject(ctx, p)
			switch {
			case err == nil:
				out = append(out, withETag(o, want[p]))
			case isNotFound(err):
			case fatal(err):
				return nil, nil, err
			default:
				problems = append(problems, fmt.Sprintf("%s: %v", p, err))
			}
		}
	}
	return out, problems, nil
}

// withETag gives o the listed ETag when its answer carried none.
func withETag(o fetchedObject, listed string) fetchedObject {
	if o.etag == "" {
		o.etag = listed
	}
	return o
}

// multiget fetches paths with one calendar-multiget. The map holds what
// the server answered for: the object, or a nil data for one that is gone.
// Objects it answered with an error or without data are left out.
func (c *CalDAV) multiget(ctx context.Context, calPath string, paths []string) (map[string]fetchedObject, error) {
	body, _, err := c.client.send(ctx, c.endpoint, "REPORT", calPath, "1", calendarMultiget(paths))
	if err != nil {
		return nil, err
	}
	entries, _, err := parseMultistatus(body)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fetchedObject, len(entries))
	for _, e := range entries {
		switch {
		case e.status == http.StatusNotFound || e.status == http.StatusGone:
			out[e.path] = fetchedObject{path: e.path}
		case e.status/100 == 2 && e.prop.CalendarData != nil:
			data := []byte(*e.prop.CalendarData)
			if checkICalendar(data) != nil || int64(len(data)) > c.opts.MaxBytes {
				continue // GET it, and let that say what is wrong
			}
			out[e.path] = fetchedObject{path: e.path, etag: e.prop.ETag, data: data}
		}
	}
	return out, nil
}

// getObject fetches one object with GET.
func (c *CalDAV) getObject(ctx context.Context, path string) (fetchedObject, error) {
	body, header, err := c.client.send(ctx, c.endpoint, http.MethodGet, path, "", "")
	if err != nil {
		var se *SizeError
		if errors.As(err, &se) {
			return fetchedObject{}, fmt.Errorf("the object is %w", err)
		}
		return fetchedObject{}, err
	}
	if err := checkICalendar(body); err != nil {
		return fetchedObject{}, err
	}
	return fetchedObject{path: path, etag: header.Get("ETag"), data: body}, nil
}
