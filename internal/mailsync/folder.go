package mailsync

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"golang.org/x/sync/errgroup"

	"github.com/dealtrail/dealtrail/internal/model"
)

// syncFolder brings one folder's checkpoint up to date. status is the
// folder's STATUS answer, which decides whether there is anything to do.
func (p *poll) syncFolder(ctx context.Context, folder string, status *imap.StatusData) (fs FolderStats) {
	fs.Folder = folder
	startBytes := p.read.Load()
	defer func() { fs.BytesRead = p.read.Load() - startBytes }()

	cp, err := p.w.opts.Store.FolderState(ctx, p.w.name, folder)
	if err != nil {
		fs.Err = fmt.Errorf("read checkpoint: %w", err)
		return fs
	}
	if upToDate(cp, status) {
		fs.Skipped = true
		return fs
	}
	if err := p.ensure(ctx); err != nil {
		fs.Err = err
		return fs
	}
	sel, err := p.examine(ctx, folder)
	if err != nil {
		fs.Err = err
		return fs
	}
	if sel.UIDValidity == 0 {
		fs.Err = fmt.Errorf("the server gave no UIDVALIDITY for %s", folder)
		return fs
	}
	last := cp.LastUID
	if sel.UIDValidity != cp.UIDValidity {
		if cp.UIDValidity != 0 {
			fs.UIDValidityChanged = true
			p.w.log.Info("uidvalidity changed, rescanning folder", "folder", folder,
				"old_uidvalidity", cp.UIDValidity, "uidvalidity", sel.UIDValidity)
		}
		last = 0
	}
	// Every UID below UIDNEXT existed when the folder was selected, so
	// the search below saw it: the checkpoint may move up to there.
	horizon := last
	if sel.UIDNext > 0 && uint32(sel.UIDNext)-1 > horizon {
		horizon = uint32(sel.UIDNext) - 1
	}
	var uids []imap.UID
	if sel.NumMessages > 0 {
		var since time.Time
		if b := p.w.opts.Backfill; b > 0 {
			since = p.w.opts.Clock.Now().Add(-b)
		}
		if uids, err = p.search(ctx, last, since); err != nil {
			fs.Err = err
			return fs
		}
	}
	if len(uids) > 0 && uint32(uids[len(uids)-1]) > horizon {
		horizon = uint32(uids[len(uids)-1])
	}
	if len(uids) == 0 && horizon == cp.LastUID && sel.UIDValidity == cp.UIDValidity {
		return fs
	}
	fs.Err = p.pipeline(ctx, &fs, folderRun{
		folder:      folder,
		uidValidity: sel.UIDValidity,
		uids:        uids,
		horizon:     horizon,
	})
	return fs
}

// upToDate reports whether STATUS shows nothing new since the checkpoint.
func upToDate(cp model.FolderState, st *imap.StatusData) bool {
	return st != nil && st.UIDValidity != 0 && st.UIDValidity == cp.UIDValidity &&
		st.UIDNext != 0 && uint32(st.UIDNext)-1 <= cp.LastUID
}

// folderRun is the work of one folder's sync: the new UIDs, ascending,
// and how far the checkpoint may move once they are stored.
type folderRun struct {
	folder      string
	uidValidity uint32
	uids        []imap.UID
	horizon     uint32
}

// fetchedBatch is a batch read from the server, not yet parsed.
type fetchedBatch struct {
	lastUID  uint32
	msgs     []*rawMsg
	rejected []model.RejectedMessage
}

// pipeline fetches, parses and stores the run's batches concurrently: the
// server is read while the previous batch is parsed and the one before is
// stored. Batches reach the sink in UID order, so the checkpoint only
// ever covers stored messages; a failure stops the pipeline after the
// batches already stored.
func (p *poll) pipeline(ctx context.Context, fs *FolderStats, run folderRun) error {
	batches := splitBatches(run.uids, p.w.opts.BatchSize, run.horizon)
	total := len(run.uids)
	start := time.Now()
	p.progress(run.folder, 0, total, 0)

	g, gctx := errgroup.WithContext(ctx)
	fetched := make(chan fetchedBatch, 1)
	parsed := make(chan model.MailBatch, 1)
	fetchedCount := 0
	g.Go(func() error {
		defer close(fetched)
		for _, b := range batches {
			fb := fetchedBatch{lastUID: b.lastUID}
			if len(b.uids) > 0 {
				var err error
				fb.msgs, fb.rejected, err = p.fetchBatch(gctx, run.folder, run.uidValidity, b.uids)
				if err != nil {
					return err
				}
			}
			fetchedCount += len(fb.msgs) + len(fb.rejected)
			select {
			case fetched <- fb:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	g.Go(func() error {
		defer close(parsed)
		for fb := range fetched {
			mb := p.w.buildBatch(run, fb)
			select {
			case parsed <- mb:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	stored, rejected := 0, 0
	g.Go(func() error {
		for mb := range parsed {
			if err := p.w.opts.Sink.SaveMailBatch(gctx, mb); err != nil {
				return fmt.Errorf("store batch up to UID %d: %w", mb.LastUID, err)
			}
			stored += len(mb.Messages)
			rejected += len(mb.Rejected)
			p.progress(run.folder, stored+rejected, total, time.Since(start))
		}
		return nil
	})
	err := g.Wait()
	fs.Fetched, fs.Stored, fs.Rejected = fetchedCount, stored, rejected
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("stopped: %w", ctx.Err())
	}
	return err
}

// batchPlan is one batch to fetch and the checkpoint it moves to.
type batchPlan struct {
	uids    []imap.UID
	lastUID uint32
}

// splitBatches cuts the UIDs into batches of size; the last batch moves
// the checkpoint to horizon (an empty batch does only that).
func splitBatches(uids []imap.UID, size int, horizon uint32) []batchPlan {
	var out []batchPlan
	for chunk := range slices.Chunk(uids, size) {
		out = append(out, batchPlan{uids: chunk, lastUID: uint32(chunk[len(chunk)-1])})
	}
	if len(out) == 0 {
		return []batchPlan{{lastUID: horizon}}
	}
	if last := &out[len(out)-1]; horizon > last.lastUID {
		last.lastUID = horizon
	}
	return out
}

func (p *poll) progress(folder string, done, total int, elapsed time.Duration) {
	if f := p.w.opts.Progress; f != nil {
		f(ProgressEvent{Mailbox: p.w.name, Folder: folder, Done: done, Total: total, Elapsed: elapsed})
	}
}

func sortUIDs(uids []imap.UID) { slices.Sort(uids) }
