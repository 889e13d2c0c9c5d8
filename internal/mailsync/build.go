package mailsync

import (
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/dealtrail/dealtrail/internal/mailparse"
	"github.com/dealtrail/dealtrail/internal/model"
)

// maxParsers bounds the goroutines that parse one batch.
const maxParsers = 4

// buildBatch parses a fetched batch into the batch the sink stores. The
// messages are parsed on several cores (parsing is the costliest step of
// a sync on the client) and kept in UID order.
func (w *Worker) buildBatch(run folderRun, fb fetchedBatch) model.MailBatch {
	mb := model.MailBatch{
		Mailbox:     w.name,
		Folder:      run.folder,
		UIDValidity: run.uidValidity,
		LastUID:     fb.lastUID,
		Messages:    make([]model.FetchedMessage, 0, len(fb.msgs)),
		Rejected:    fb.rejected,
	}
	built := make([]model.FetchedMessage, len(fb.msgs))
	errs := make([]error, len(fb.msgs))
	parsers := min(runtime.GOMAXPROCS(0), maxParsers)
	size := (len(fb.msgs) + parsers - 1) / parsers
	var wg sync.WaitGroup
	for start := 0; start < len(fb.msgs); start += size {
		end := min(start+size, len(fb.msgs))
		wg.Go(func() {
			for i := start; i < end; i++ {
				built[i], errs[i] = w.build(fb.msgs[i])
			}
		})
	}
	wg.Wait()
	for i, r := range fb.msgs {
		if err := errs[i]; err != nil {
			w.log.Warn("message rejected", "folder", run.folder, "uid", r.uid, "reason", err.Error())
			mb.Rejected = append(mb.Rejected, model.RejectedMessage{UID: uint32(r.uid), Reason: err.Error()})
			continue
		}
		mb.Messages = append(mb.Messages, built[i])
	}
	slices.SortFunc(mb.Rejected, func(a, b model.RejectedMessage) int { return int(int64(a.UID) - int64(b.UID)) })
	return mb
}

// build turns a raw message into a stored one: the header parsed as it
// was fetched, the snippet of its text part, the attachments and
// calendars of its structure, and what could not be read. An error means
// nothing usable.
func (w *Worker) build(r *rawMsg) (fm model.FetchedMessage, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error reading the message: %v", v)
		}
	}()
	if r.headerErr != nil {
		return fm, r.headerErr
	}
	msg := r.msg
	if t := r.plan.text; t != nil && r.text != nil {
		snippet, err := mailparse.Snippet(r.text, t.part.MediaType(), t.part.Params, t.part.Encoding, w.opts.Parse.SnippetLen)
		msg.Snippet = snippet
		if err != nil {
			msg.Problems = append(msg.Problems, err.Error())
		}
	}
	msg.Attachments = r.plan.attachments
	for _, c := range r.plan.calendars {
		data, ok := r.calendars[c.section()]
		if !ok {
			continue
		}
		data, problem := mailparse.Calendar(data, c.part.Encoding)
		if problem != "" {
			msg.Problems = append(msg.Problems, problem)
		}
		if data != nil {
			msg.Calendars = append(msg.Calendars, data)
		}
	}
	msg.Problems = append(msg.Problems, r.plan.problems...)
	msg.Problems = append(msg.Problems, r.problems...)
	return model.FetchedMessage{UID: uint32(r.uid), InternalDate: r.date, Size: r.size, Message: msg}, nil
}
