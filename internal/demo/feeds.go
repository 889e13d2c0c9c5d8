package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// FeedServer serves each member's calendar as an ICS feed over plain HTTP
// on a free loopback port, at /calendars/USER.ics. The feeds do not change
// while it runs; it answers conditional requests with 304.
type FeedServer struct {
	srv   *http.Server
	ln    net.Listener
	feeds map[string][]byte
	since time.Time
	done  chan struct{}
}

// StartFeeds starts serving the team's calendars on 127.0.0.1. logger gets
// the server's own error reports (none when nil).
func StartFeeds(t *Team, logger *slog.Logger) (*FeedServer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &FeedServer{feeds: map[string][]byte{}, since: time.Now().Truncate(time.Second), done: make(chan struct{})}
	for _, m := range t.Members {
		s.feeds[m.User] = t.CalendarFeed(m.User)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the demo calendar server: %w", err)
	}
	s.ln = ln
	mux := http.NewServeMux()
	mux.HandleFunc("GET /calendars/{file}", s.serveFeed)
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("demo calendar server failed", "error", err)
		}
	}()
	return s, nil
}

func (s *FeedServer) serveFeed(w http.ResponseWriter, r *http.Request) {
	user, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	feed, known := s.feeds[user]
	if !ok || !known {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	http.ServeContent(w, r, user+".ics", s.since, bytes.NewReader(feed))
}

// Addr is the server's host:port.
func (s *FeedServer) Addr() string { return s.ln.Addr().String() }

// URL is the address of a member's feed.
func (s *FeedServer) URL(user string) string {
	return "http://" + s.Addr() + "/calendars/" + user + ".ics"
}

// Close stops the server, ending the requests in flight.
func (s *FeedServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return err
}
