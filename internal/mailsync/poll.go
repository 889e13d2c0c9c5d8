package mailsync

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
)

// poll is one pass over a mailbox's folders, on one connection (opened
// again when it breaks).
type poll struct {
	// life is the poll's context: sessions live until it ends, even when
	// opened from a stage of a folder's pipeline, whose context ends
	// with the folder.
	life context.Context
	w    *Worker
	d    *dialer
	sess *session
	read atomic.Int64
	cmds commandCounts
	// quarantined counts the messages of the current batch stored
	// without structure or rejected.
	quarantined int
}

func (w *Worker) poll(ctx context.Context) (Stats, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	start := time.Now()
	p := &poll{w: w, life: ctx}
	p.d = &dialer{
		mb:        w.opts.Mailbox,
		dial:      w.opts.Dial,
		tlsConfig: w.opts.TLSConfig,
		timeout:   timeouts{dial: dialTimeout, io: w.opts.IOTimeout},
		token:     w.tokens.token,
		read:      &p.read,
		cmds:      &p.cmds,
	}
	stats := Stats{Mailbox: w.name}
	err := p.run(ctx, &stats)
	if p.sess != nil {
		p.sess.logout()
	}
	stats.BytesRead = p.read.Load()
	stats.Commands = p.cmds.snapshot()
	stats.Elapsed = time.Since(start)
	return stats, err
}

func (p *poll) run(ctx context.Context, stats *Stats) error {
	if err := p.ensure(ctx); err != nil {
		return err
	}
	folders, err := p.folderList(ctx)
	if err != nil {
		return err
	}
	statuses, statusErrs := p.statusAll(ctx, folders)
	var errs []error
	for _, f := range folders {
		var fs FolderStats
		if err := statusErrs[f]; err != nil {
			fs = FolderStats{Folder: f, Err: err}
			if len(p.w.opts.Mailbox.Folders) == 0 {
				p.w.folders = nil // discover again next time
			}
		} else {
			fs = p.syncFolder(ctx, f, statuses[f])
		}
		stats.Folders = append(stats.Folders, fs)
		if fs.Err != nil {
			errs = append(errs, fmt.Errorf("folder %s: %w", f, fs.Err))
			if ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// ensure makes sure there is a working session, opening one if needed.
func (p *poll) ensure(ctx context.Context) error {
	if p.sess != nil {
		if p.sess.lost() == nil && p.sess.c.State() != imap.ConnStateLogout {
			return nil
		}
		p.sess.close()
		p.sess = nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s, err := p.d.open(p.life)
	if err != nil {
		return err
	}
	p.sess = s
	return nil
}

// reopen replaces the session by a new one with folder selected again,
// checking that its UIDVALIDITY did not change meanwhile.
func (p *poll) reopen(ctx context.Context, folder string, uidValidity uint32) error {
	if p.sess != nil {
		p.sess.close()
		p.sess = nil
	}
	if err := p.ensure(ctx); err != nil {
		return err
	}
	sel, err := p.examine(ctx, folder)
	if err != nil {
		return err
	}
	if sel.UIDValidity != uidValidity {
		return fmt.Errorf("UIDVALIDITY changed during the sync (%d, now %d); the next poll rescans", uidValidity, sel.UIDValidity)
	}
	return nil
}

// examine selects folder read-only.
func (p *poll) examine(ctx context.Context, folder string) (*imap.SelectData, error) {
	p.cmds.add("EXAMINE")
	sel, err := p.sess.c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, p.cmdErr(ctx, "EXAMINE", err)
	}
	return sel, nil
}

// search returns the UIDs above after (that arrived since since, unless
// zero), in ascending order.
func (p *poll) search(ctx context.Context, after uint32, since time.Time) ([]imap.UID, error) {
	if after == ^uint32(0) {
		return nil, nil
	}
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{{{Start: imap.UID(after + 1), Stop: 0}}}}
	crit.Since = since
	var opts *imap.SearchOptions
	if p.sess.c.Caps().Has(imap.CapESearch) {
		opts = &imap.SearchOptions{ReturnAll: true}
	}
	p.cmds.add("SEARCH")
	data, err := p.sess.c.UIDSearch(crit, opts).Wait()
	if err != nil {
		return nil, p.cmdErr(ctx, "UID SEARCH", err)
	}
	set, _ := data.All.(imap.UIDSet)
	all, ok := set.Nums()
	if !ok {
		return nil, errors.New("UID SEARCH: the server answered an open range")
	}
	// "n:*" always matches the last message, even below n.
	uids := all[:0]
	for _, u := range all {
		if uint32(u) > after {
			uids = append(uids, u)
		}
	}
	sortUIDs(uids)
	return uids, nil
}
