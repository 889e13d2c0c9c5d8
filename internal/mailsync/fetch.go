package mailsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/dealtrail/dealtrail/internal/mailparse"
	"github.com/dealtrail/dealtrail/internal/model"
)

// headerFields are the header fields fetched: what the parser reads.
var headerFields = []string{
	"From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Date", "Subject",
	"Message-ID", "In-Reply-To", "References", "Content-Type",
}

// maxHeaderBytes bounds the header block kept per message.
const maxHeaderBytes = 256 << 10

// maxQuarantine bounds the messages of one batch that may be stored
// without structure or rejected. Past it the failure is taken to be the
// server's (or go-imap's) in general, not one broken message's: the poll
// fails loudly rather than quarantining a whole mailbox.
const maxQuarantine = 10

var headerSection = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: headerFields,
	Peek:         true,
}

// rawMsg is one message as read from the server.
type rawMsg struct {
	uid    imap.UID
	date   time.Time
	size   int64
	bs     imap.BodyStructure
	header []byte
	// msg is the header parsed as it arrived (see digest), or
	// headerErr why it could not be.
	msg       model.Message
	headerErr error
	// noStructure is set when the server's BODYSTRUCTURE could not be
	// read: the message is kept with its header only.
	noStructure bool
	plan        partPlan
	text        []byte            // the start of plan.text, as it travels
	calendars   map[string][]byte // plan.calendars by section, as they travel
	problems    []string
}

// failure kinds of a FETCH.
type failKind int

const (
	failFatal      failKind = iota // give up the folder for this poll
	failNo                         // the server answered NO: keep what came
	failUnreadable                 // a response go-imap could not parse
)

// classify tells why a command failed.
func (p *poll) classify(ctx context.Context, err error) (failKind, error) {
	var ierr *imap.Error
	switch {
	case ctx.Err() != nil:
		return failFatal, ctx.Err()
	case p.sess.lost() != nil:
		return failFatal, fmt.Errorf("connection lost during FETCH: %w", p.sess.lost())
	case errors.As(err, &ierr):
		if ierr.Type == imap.StatusResponseTypeNo && !throttled(ierr) {
			return failNo, &serverError{ierr}
		}
		return failFatal, fmt.Errorf("FETCH: %w", &serverError{ierr})
	}
	return failUnreadable, err
}

// fetchBatch reads a batch: the header of every message, then the
// structure of those whose parts are of use (not of mail within the team,
// a third of a mailbox: its BODYSTRUCTURE was the dearest item to decode),
// then the parts they need. Messages the server cannot give are rejected
// with a reason rather than holding up the folder.
func (p *poll) fetchBatch(ctx context.Context, folder string, uidValidity uint32, uids []imap.UID) ([]*rawMsg, []model.RejectedMessage, error) {
	p.quarantined = 0
	msgs, rejected, err := p.bisect(ctx, folder, uidValidity, uids, p.fetchHeaders, p.rejectAlone)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(msgs, func(a, b *rawMsg) int { return int(int64(a.uid) - int64(b.uid)) })
	slices.SortFunc(rejected, func(a, b model.RejectedMessage) int { return int(int64(a.UID) - int64(b.UID)) })
	var need []*rawMsg
	for _, m := range msgs {
		if p.needsParts(m) {
			need = append(need, m)
		}
	}
	if len(need) > 0 {
		byUID := make(map[imap.UID]*rawMsg, len(need))
		for _, m := range need {
			byUID[m.uid] = m
		}
		fetch := func(uids []imap.UID) ([]*rawMsg, error) { return p.fetchStructures(uids, byUID) }
		keep := func(folder string, uid imap.UID, _ failKind, cause error) ([]*rawMsg, []model.RejectedMessage, error) {
			return p.keepWithoutStructure(folder, byUID[uid], cause)
		}
		if _, _, err := p.bisect(ctx, folder, uidValidity, uidsOf(need), fetch, keep); err != nil {
			return nil, nil, err
		}
	}
	if err := p.fetchParts(ctx, folder, uidValidity, need); err != nil {
		return nil, nil, err
	}
	return msgs, rejected, nil
}

// bisect runs one stage's FETCH of uids. When the server's answer breaks
// the session (go-imap closes it on a response it cannot parse) or the
// server answers NO, it keeps what arrived and splits the rest in halves
// on a new session, until the one bad message is alone: alone then
// decides what becomes of it.
func (p *poll) bisect(ctx context.Context, folder string, uidValidity uint32, uids []imap.UID,
	fetch func([]imap.UID) ([]*rawMsg, error), alone lastResort) ([]*rawMsg, []model.RejectedMessage, error) {
	got, err := fetch(uids)
	if err == nil {
		return got, nil, nil
	}
	kind, err := p.classify(ctx, err)
	switch kind {
	case failFatal:
		return nil, nil, err
	case failUnreadable:
		// The last message received may be the broken one, cut short.
		if len(got) > 0 {
			got = got[:len(got)-1]
		}
		if err := p.reopen(ctx, folder, uidValidity); err != nil {
			return nil, nil, err
		}
	}
	rest := missing(uids, got)
	if len(rest) == 0 {
		return got, nil, nil
	}
	if len(uids) == 1 {
		if p.quarantined++; p.quarantined > maxQuarantine {
			return nil, nil, fmt.Errorf("more than %d messages of a batch could not be fetched (last: UID %d: %v); giving up on this poll",
				maxQuarantine, uids[0], err)
		}
		return alone(folder, uids[0], kind, err)
	}
	p.w.log.Warn("fetch failed, splitting batch", "folder", folder, "messages", len(rest), "error", err)
	var rejected []model.RejectedMessage
	halves := [][]imap.UID{rest}
	if len(rest) > 1 {
		halves = [][]imap.UID{rest[:len(rest)/2], rest[len(rest)/2:]}
	}
	for _, h := range halves {
		g, r, err := p.bisect(ctx, folder, uidValidity, h, fetch, alone)
		if err != nil {
			return nil, nil, err
		}
		got = append(got, g...)
		rejected = append(rejected, r...)
	}
	return got, rejected, nil
}

// lastResort decides what becomes of the one message a stage's FETCH
// cannot get, for the reason kind, so the checkpoint can pass it.
type lastResort func(folder string, uid imap.UID, kind failKind, cause error) ([]*rawMsg, []model.RejectedMessage, error)

// rejectAlone rejects a message whose header the server cannot give.
func (p *poll) rejectAlone(folder string, uid imap.UID, kind failKind, cause error) ([]*rawMsg, []model.RejectedMessage, error) {
	reason := fmt.Sprintf("the server's answer to FETCH could not be read: %v", cause)
	if kind == failNo {
		reason = fmt.Sprintf("the server did not give the message: %v", cause)
	}
	p.w.log.Warn("message rejected", "folder", folder, "uid", uid, "reason", reason)
	return nil, []model.RejectedMessage{{UID: uint32(uid), Reason: reason}}, nil
}

// keepWithoutStructure keeps a message whose BODYSTRUCTURE the server
// cannot give with its header only.
func (p *poll) keepWithoutStructure(folder string, r *rawMsg, cause error) ([]*rawMsg, []model.RejectedMessage, error) {
	r.bs, r.plan, r.noStructure = nil, partPlan{}, true
	r.problems = append(r.problems, "the server's BODYSTRUCTURE could not be read; snippet and attachments are missing")
	p.w.log.Warn("message structure unreadable, kept its header", "folder", folder, "uid", r.uid, "error", cause)
	return []*rawMsg{r}, nil, nil
}

// fetchStructures sends one UID FETCH of the BODYSTRUCTURE of uids, which
// are messages of byUID, and plans the parts of each as it arrives.
func (p *poll) fetchStructures(uids []imap.UID, byUID map[imap.UID]*rawMsg) ([]*rawMsg, error) {
	p.cmds.add("FETCH")
	cmd := p.sess.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:           true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
	})
	got := make([]*rawMsg, 0, len(uids))
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		var uid imap.UID
		var bs imap.BodyStructure
		for item := m.Next(); item != nil; item = m.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodyStructure:
				bs = it.BodyStructure
			}
		}
		if r := byUID[uid]; r != nil {
			r.bs = bs
			if bs != nil {
				r.plan = planParts(bs)
			}
			got = append(got, r)
		}
	}
	return got, cmd.Close()
}

// uidsOf returns the UIDs of msgs, in their order.
func uidsOf(msgs []*rawMsg) []imap.UID {
	uids := make([]imap.UID, len(msgs))
	for i, m := range msgs {
		uids[i] = m.uid
	}
	return uids
}

// fetchHeaders sends one UID FETCH of the header (and date and size) of
// uids and reads its answer as it streams in.
func (p *poll) fetchHeaders(uids []imap.UID) ([]*rawMsg, error) {
	opts := &imap.FetchOptions{
		UID:          true,
		InternalDate: true,
		RFC822Size:   true,
		BodySection:  []*imap.FetchItemBodySection{headerSection},
	}
	p.cmds.add("FETCH")
	cmd := p.sess.c.Fetch(imap.UIDSetNum(uids...), opts)
	got := make([]*rawMsg, 0, len(uids))
	// Each message is digested on another goroutine, so that this one
	// goes straight back to the answer: go-imap decodes a message only
	// once the one before has been read.
	toDigest := make(chan *rawMsg, digestQueue)
	digested := make(chan struct{})
	go func() {
		defer close(digested)
		for r := range toDigest {
			p.digest(r)
		}
	}()
	defer func() {
		close(toDigest)
		<-digested
	}()
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		r := &rawMsg{}
		for item := m.Next(); item != nil; item = m.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				r.uid = it.UID
			case imapclient.FetchItemDataInternalDate:
				r.date = it.Time
			case imapclient.FetchItemDataRFC822Size:
				r.size = it.Size
			case imapclient.FetchItemDataBodySection:
				r.header = p.readLiteral(it.Literal, maxHeaderBytes)
				if r.header == nil {
					r.header = []byte{}
				}
			}
		}
		if r.uid != 0 {
			toDigest <- r
			got = append(got, r)
		}
	}
	return got, cmd.Close()
}

// digestQueue is how many messages read may wait to be digested.
const digestQueue = 64

// digest parses a message's header as soon as the message is read, while
// go-imap decodes the next ones: whether the rest is fetched depends on it
// (see Options.NeedsParts).
func (p *poll) digest(r *rawMsg) {
	msg, err := mailparse.ParseHeader(r.header, p.w.opts.Parse)
	if err != nil {
		r.headerErr = fmt.Errorf("header unreadable: %w", err)
		return
	}
	if msg.Date.IsZero() {
		msg.Date = r.date // no (readable) Date: when the server got it
	}
	r.msg = msg
}

// readLiteral reads up to max bytes of a literal (nil for NIL); the rest
// is discarded by the client.
//
// A read error means the connection broke mid-literal. go-imap then lets
// its reader goroutine go on while the literal would be read again (to
// discard it) from the same buffer: a data race. So the client is closed
// first, which waits for its reader to stop.
func (p *poll) readLiteral(lit imap.LiteralReader, max int64) []byte {
	if lit == nil {
		return nil
	}
	n := min(lit.Size(), max)
	if n < 0 {
		n = 0
	}
	buf := make([]byte, n)
	k, err := io.ReadFull(lit, buf)
	if err != nil {
		p.sess.c.Close()
	}
	return buf[:k]
}

// missing returns the UIDs of want that are not in got, in order.
func missing(want []imap.UID, got []*rawMsg) []imap.UID {
	have := make(map[imap.UID]bool, len(got))
	for _, r := range got {
		have[r.uid] = true
	}
	var out []imap.UID
	for _, u := range want {
		if !have[u] {
			out = append(out, u)
		}
	}
	return out
}
