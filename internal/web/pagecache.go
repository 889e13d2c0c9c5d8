package web

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// pageCacheSize bounds the rendered pages kept; past it they are all
// dropped and kept afresh.
const pageCacheSize = 512

// pageCache keeps the rendered deals list and timelines per session and
// URL, and the API's deals list per URL, for as long as what they were
// made from stands (the same deals list, the same built timeline): under
// load, a browser reloading a page costs a map lookup instead of a
// rendering. Pages hold the session's CSRF token, so they are never
// shared between sessions.
type pageCache struct {
	mu sync.Mutex
	m  map[string]cachedPage
}

// cachedPage is a rendered page and what it was made from.
type cachedPage struct {
	list *dealList
	tl   *builtTimeline
	body []byte
}

// pageKey names the request's page in the cache; ok is false when it
// must not be cached: no session, or a message to show once.
func pageKey(c *gin.Context) (key string, ok bool) {
	a, authed := authOf(c)
	if !authed || a.session == nil {
		return "", false
	}
	if _, err := c.Cookie(flashCookie); err == nil {
		return "", false
	}
	return a.cookieHash + "\x00" + c.Request.URL.RequestURI(), true
}

// get returns the page kept under key if it was made from list and tl.
func (pc *pageCache) get(key string, list *dealList, tl *builtTimeline) ([]byte, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	p, ok := pc.m[key]
	if !ok || p.list != list || p.tl != tl {
		return nil, false
	}
	return p.body, true
}

// put keeps a page made from list and tl.
func (pc *pageCache) put(key string, list *dealList, tl *builtTimeline, body []byte) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.m == nil || len(pc.m) >= pageCacheSize {
		pc.m = map[string]cachedPage{}
	}
	pc.m[key] = cachedPage{list: list, tl: tl, body: body}
}

// renderCached answers with the page kept for this request if it was made
// from list and tl, or renders it with build and keeps it. build returns
// false when it has answered the request itself.
func (s *Server) renderCached(c *gin.Context, name string, list *dealList, tl *builtTimeline, build func() (any, bool)) {
	key, cacheable := pageKey(c)
	if cacheable {
		if body, ok := s.pageCache.get(key, list, tl); ok {
			s.writeHTML(c, http.StatusOK, body)
			return
		}
	}
	data, ok := build()
	if !ok {
		return
	}
	body, err := s.renderBytes(name, data)
	if err != nil {
		s.renderFailed(c, name, err)
		return
	}
	if cacheable {
		s.pageCache.put(key, list, tl, body)
	}
	s.writeHTML(c, http.StatusOK, body)
}
