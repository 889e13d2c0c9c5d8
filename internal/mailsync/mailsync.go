// Package mailsync keeps the team's mailboxes in the store: one Worker per
// mailbox polls its folders over IMAP and hands what is new, a batch at a
// time in UID order, to a Sink that stores the activities and moves the
// folder checkpoint in one transaction.
//
// A poll is cheap when nothing changed: STATUS alone tells, and no folder
// is selected nor any message fetched. New messages are found with UID
// SEARCH (honouring the backfill window) and fetched in batches: headers,
// then (not for mail Options.NeedsParts turns down once its header is
// read) BODYSTRUCTURE, the first KB of the first text part and any
// text/calendar part, never an attachment body. Fetching, parsing and storing run as a
// pipeline, so the server is read while the previous batch is stored.
//
// Folders default to INBOX and the folder with the \Sent special use (or a
// well-known name). Gmail users may prefer to list "[Gmail]/All Mail" (and
// "[Gmail]/Sent Mail") under folders: names are localised there.
//
// A response go-imap cannot parse ends its session: the batch is then
// split in halves on new sessions until the one bad message is alone, and
// that message is stored without its structure or recorded as rejected
// with the reason, so the checkpoint can pass it. A lost connection or a
// failing store ends the poll with an error after the batches already
// stored; the next poll resumes from the checkpoint.
//
// The polling itself (when, and how far errors back off) is
// internal/schedule's, with the state kept in the store.
package mailsync

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/mailparse"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/schedule"
)

// Store keeps the sync state: folder checkpoints and the polling state of
// each mailbox.
type Store interface {
	// FolderState returns the checkpoint of a folder; the zero value when
	// the folder was never synced.
	FolderState(ctx context.Context, mailbox, folder string) (model.FolderState, error)
	schedule.StateStore
}

// Sink stores a batch of messages and moves the folder checkpoint to the
// batch's (UIDValidity, LastUID) in one transaction. A batch whose
// UIDValidity differs from the stored one replaces the checkpoint.
type Sink interface {
	SaveMailBatch(ctx context.Context, b model.MailBatch) error
}

// Defaults of the worker options.
const (
	DefaultBatchSize = 1000
	DefaultIOTimeout = 60 * time.Second
	dialTimeout      = 30 * time.Second
	// SnippetBytes is how much of the first text part is fetched.
	SnippetBytes = 2048
)

// Options configure a Worker. Mailbox, Store and Sink are required.
type Options struct {
	Mailbox config.Mailbox
	Store   Store
	Sink    Sink

	// PollInterval is the wait after a successful poll.
	PollInterval time.Duration
	// Backfill limits a folder's sync to messages that arrived in the
	// last Backfill (UID SEARCH SINCE); 0 takes everything.
	Backfill time.Duration
	// Backoff is the wait after failures (schedule.DefaultBackoff if zero).
	Backoff schedule.Backoff
	// BatchSize is how many messages one FETCH (and one stored batch)
	// takes (DefaultBatchSize if 0).
	BatchSize int
	// Parse tunes the message parser (snippet length).
	Parse mailparse.Options
	// NeedsParts, if set, tells from a message's parsed header whether
	// its structure, text and calendar parts are of any use (the Sink
	// may leave some mail out, such as mail within the team). A message
	// it returns false for is handed to the Sink without snippet,
	// attachments or calendars, and none of those is fetched. Nil
	// fetches them for every message.
	NeedsParts func(model.Message) bool

	// Progress, if set, is called when a folder's sync starts and after
	// each stored batch, from one goroutine at a time.
	Progress func(ProgressEvent)
	Logger   *slog.Logger

	// Dial opens the TCP connection (net.Dialer.DialContext if nil).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSConfig is the base TLS configuration (RootCAs for tests); the
	// server name is the mailbox host unless set.
	TLSConfig *tls.Config
	// HTTPClient refreshes OAuth2 tokens (one with a 30s timeout if nil).
	HTTPClient *http.Client
	// IOTimeout bounds every read and write on the connection, so that a
	// half-dead server cannot hang the worker (DefaultIOTimeout if 0).
	IOTimeout time.Duration
	// Clock drives the schedule and timestamps (the system clock if nil).
	Clock schedule.Clock
}

// ProgressEvent reports how far a folder's sync is.
type ProgressEvent struct {
	Mailbox string
	Folder  string
	// Done counts the messages stored (or rejected) so far in this poll,
	// Total those found new when the folder's sync began.
	Done, Total int
	// Elapsed is the time since the folder's sync began.
	Elapsed time.Duration
}

// Stats describes one poll of a mailbox.
type Stats struct {
	Mailbox string
	Folders []FolderStats
	// BytesRead counts the bytes read from the server, TLS included.
	BytesRead int64
	// Commands counts the IMAP commands sent, by name ("FETCH" and
	// "SEARCH" for their UID forms, "EXAMINE" for the read-only select),
	// so tests and the CLI can see what a poll cost.
	Commands map[string]int
	Elapsed  time.Duration
}

// FolderStats describes one folder's part of a poll.
type FolderStats struct {
	Folder string
	// Skipped is set when STATUS showed nothing new: nothing selected,
	// nothing fetched.
	Skipped bool
	// UIDValidityChanged is set when the folder was rescanned because
	// its UIDVALIDITY changed.
	UIDValidityChanged bool
	// Fetched counts messages read from the server, Stored those saved
	// (in batches the sink accepted), Rejected those saved as unreadable.
	Fetched, Stored, Rejected int
	BytesRead                 int64
	Err                       error
}

// Fetched is the number of messages read in the poll, over all folders.
func (s Stats) Fetched() int { return s.sum(func(f FolderStats) int { return f.Fetched }) }

// Stored is the number of messages saved in the poll, over all folders.
func (s Stats) Stored() int { return s.sum(func(f FolderStats) int { return f.Stored }) }

// Rejected is the number of messages saved as unreadable in the poll.
func (s Stats) Rejected() int { return s.sum(func(f FolderStats) int { return f.Rejected }) }

// sum adds up one count over the folders.
func (s Stats) sum(count func(FolderStats) int) int {
	n := 0
	for _, f := range s.Folders {
		n += count(f)
	}
	return n
}

type timeouts struct {
	dial, io time.Duration
}

// Worker syncs one mailbox. Its methods must not be called concurrently.
type Worker struct {
	opts   Options
	name   string
	loop   *schedule.Loop
	tokens *tokenSource
	log    *slog.Logger

	mu sync.Mutex // one poll at a time
	// folders caches the discovered folders between polls; reset when a
	// folder disappears.
	folders []string
}

// NewWorker checks the options and returns a worker for their mailbox.
func NewWorker(opts Options) (*Worker, error) {
	mb := opts.Mailbox
	switch {
	case opts.Store == nil || opts.Sink == nil:
		return nil, errors.New("mailsync: a worker needs a store and a sink")
	case mb.Host == "" || mb.Port == 0:
		return nil, fmt.Errorf("mailsync: mailbox %q has no host or port", mb.Name)
	case mb.Auth == config.AuthXOAuth2 && mb.OAuth2 == nil:
		return nil, fmt.Errorf("mailsync: mailbox %q uses xoauth2 without an oauth2 section", mb.Name)
	}
	name := mb.Name
	if name == "" {
		name = mb.Owner
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.IOTimeout <= 0 {
		opts.IOTimeout = DefaultIOTimeout
	}
	if opts.Clock == nil {
		opts.Clock = schedule.SystemClock{}
	}
	if opts.Dial == nil {
		d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
		opts.Dial = d.DialContext
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("mailbox", name)
	w := &Worker{
		opts:   opts,
		name:   name,
		log:    log,
		tokens: &tokenSource{cfg: mb.OAuth2, http: opts.HTTPClient},
	}
	w.loop = &schedule.Loop{
		Source:   w.Source(),
		Store:    opts.Store,
		Interval: opts.PollInterval,
		Backoff:  opts.Backoff,
		Clock:    opts.Clock,
		Logger:   log,
	}
	return w, nil
}

// Source is the name of the worker's polling state in the store.
func (w *Worker) Source() string { return "mailbox:" + w.name }

// Name is the mailbox name, as in the folder checkpoints and sightings.
func (w *Worker) Name() string { return w.name }

// Run polls whenever the stored state says the mailbox is due, until ctx
// is done. Failures are recorded in the state (and logged), not returned.
func (w *Worker) Run(ctx context.Context) error {
	return w.loop.Run(ctx, func(ctx context.Context) (int64, error) {
		st, err := w.poll(ctx)
		if err == nil {
			level := slog.LevelDebug // idle polls are not news
			if st.Fetched() > 0 {
				level = slog.LevelInfo
			}
			w.log.Log(ctx, level, "mailbox polled", "fetched", st.Fetched(), "stored", st.Stored(),
				"rejected", st.Rejected(), "bytes_read", st.BytesRead, "elapsed", st.Elapsed.Round(time.Millisecond))
		}
		return int64(st.Fetched()), err
	})
}

// PollOnce polls every folder now, whatever the due time, and records the
// outcome in the polling state like Run does.
func (w *Worker) PollOnce(ctx context.Context) (Stats, error) {
	var st Stats
	_, err := w.loop.Once(ctx, func(ctx context.Context) (int64, error) {
		var err error
		st, err = w.poll(ctx)
		return int64(st.Fetched()), err
	})
	return st, err
}
