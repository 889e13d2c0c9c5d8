// Package store is the only package that speaks SQL. It keeps dealtrail's
// SQLite database: connection pragmas, embedded versioned migrations, and
// one file of queries per entity.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when a row to add is already there (such as a user
// with the same email).
var ErrExists = errors.New("already exists")

// queryTimeout bounds every statement so a stuck query cannot hang a worker.
const queryTimeout = 30 * time.Second

// Store is an open dealtrail database. Writes go through a single
// connection with immediate transactions; reads use a separate pool; a
// third connection checkpoints the write-ahead log (see checkpoints).
type Store struct {
	write *sql.DB
	read  *sql.DB
	ckpt  *sql.DB
	// commits counts the write transactions committed, so that the
	// checkpointer works only after writes.
	commits atomic.Int64
	// stopCheckpoints ends the checkpointer (and a checkpoint in
	// progress), which closes checkpointsDone when it is gone.
	stopCheckpoints context.CancelFunc
	checkpointsDone chan struct{}
	// now is the clock of decisions and link timestamps; tests replace it.
	now func() time.Time
	// lastSeq is the last match queue sequence number handed out.
	lastSeq atomic.Int64
	// deals caches every deal as of a catalog version (see cachedDeals).
	deals dealCache
}

// queryer is what both *sql.DB and *sql.Tx offer for reading.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// driverName is the SQLite driver with dealtrail's connection hook.
const driverName = "sqlite3-dealtrail"

// autoCheckpointPages is how long (in pages) the write-ahead log may grow
// before a commit copies it back into the database itself. SQLite's
// default, 1,000 pages, makes every few commits of a sync wait for that
// copy (a third of a first sync's store time); the checkpointer does it
// beside the writer instead, and this bound only matters when it cannot
// keep up.
const autoCheckpointPages = 10_000

// writeCacheKiB is the page cache of the writer connection. At SQLite's
// default of 2 MB a sync's inserts into the indexes of participants and
// threads keep reading back pages just evicted; 8 MB holds them. Readers
// keep the default.
const writeCacheKiB = 8 << 10

// checkpointEvery is how often the checkpointer copies the write-ahead
// log back into the database after writes. What it has not copied when
// the store closes, closing copies: at a second, that made closing the
// store after a first sync take 0.4 s; at a quarter, 0.2 s.
const checkpointEvery = 250 * time.Millisecond

// pageSize is the page size of a new database. Rows of mail with their
// snippets take about 2 KB, of which SQLite's default 4 KB page holds one:
// 16 KB pages hold seven, making a first sync's database a quarter
// smaller and its writes a tenth faster. An existing database keeps the
// page size it was made with.
const pageSize = 16 << 10

// connectPragmas are the pragmas the driver has no connection string
// parameter for, or that must come first: page_size before the
// journal_mode that writes a new database's first page.
var connectPragmas = []string{
	fmt.Sprintf("PRAGMA page_size = %d", pageSize),
	"PRAGMA journal_mode = WAL",
	fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", autoCheckpointPages),
}

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		for _, p := range connectPragmas {
			if _, err := c.Exec(p, nil); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		}
		return nil
	}})
}

// dsn builds the connection string: every pragma is set here or, for
// those in connectPragmas, by init's connection hook, and nowhere else.
// Immediate transactions take the write lock at BEGIN, so a transaction
// that reads then writes never fails with "database is locked"; the
// read-only pool keeps deferred transactions, which take no lock.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "NORMAL")
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Set("_txlock", "immediate")
		q.Set("_cache_size", strconv.Itoa(-writeCacheKiB))
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date. It refuses a database newer than this binary.
func Open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	write, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	read, err := sql.Open(driverName, dsn(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %s for reading: %w", path, err)
	}
	read.SetMaxOpenConns(4)
	ckpt, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open database %s for checkpoints: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	checkpointCtx, stop := context.WithCancel(context.Background())
	s := &Store{write: write, read: read, ckpt: ckpt, now: time.Now, stopCheckpoints: stop, checkpointsDone: make(chan struct{})}
	go s.checkpoints(checkpointCtx)
	return s, nil
}

// checkpoints copies the write-ahead log back into the database every
// checkpointEvery after writes, until ctx ends (Close). A passive
// checkpoint waits for no reader or writer: it copies what it can, and
// the next one goes on. Errors are left to the next round (and to the
// writer's own automatic checkpoint, see autoCheckpointPages).
func (s *Store) checkpoints(ctx context.Context) {
	defer close(s.checkpointsDone)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	done := int64(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n := s.commits.Load(); n != done {
			if _, err := s.ckpt.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err == nil {
				done = n
			}
		}
	}
}

// Close stops the checkpointer and closes the connection pools. It may be
// called more than once.
func (s *Store) Close() error {
	s.stopCheckpoints()
	<-s.checkpointsDone
	return errors.Join(s.read.Close(), s.ckpt.Close(), s.write.Close())
}

// eachRow runs query and calls fn to scan each of its rows.
func eachRow(ctx context.Context, q queryer, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// exists reports whether query (SELECT 1 ...) finds a row.
func exists(ctx context.Context, q queryer, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// withTimeout bounds one store call.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, queryTimeout)
}

// inTx runs fn in one immediate write transaction, committing when fn
// returns nil and rolling back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.commits.Add(1)
	return nil
}

// unixTime turns a stored Unix second count back into a time; 0 is zero.
func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// unixSeconds stores a time as Unix seconds; the zero time is 0.
func unixSeconds(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
