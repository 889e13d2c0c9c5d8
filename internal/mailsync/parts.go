package mailsync

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/dealtrail/dealtrail/internal/mailparse"
)

// partGroup is one FETCH of the second stage: the messages that need the
// same sections (the text part at one path, calendar parts at others), so
// that a batch costs a few commands, not one per message. Each message is
// in one group only.
type partGroup struct {
	text      []int   // path of the text part, or nil
	calendars [][]int // paths of the calendar parts
	uids      []imap.UID
}

func (g *partGroup) items() []*imap.FetchItemBodySection {
	var items []*imap.FetchItemBodySection
	if g.text != nil {
		items = append(items, &imap.FetchItemBodySection{Part: g.text, Peek: true,
			Partial: &imap.SectionPartial{Offset: 0, Size: SnippetBytes}})
	}
	for _, c := range g.calendars {
		items = append(items, &imap.FetchItemBodySection{Part: c, Peek: true})
	}
	return items
}

// fetchParts fetches, for the messages of a batch whose parts are of use
// (see needsParts), the start of their text part and their calendar
// parts. The commands go one after another: Dovecot answers pipelined
// FETCHes in parallel, which go-imap's streaming reader cannot take when
// literals are read one command at a time. A part the server will not
// give leaves a problem on its message; the message is still stored.
func (p *poll) fetchParts(ctx context.Context, folder string, uidValidity uint32, msgs []*rawMsg) error {
	byUID := make(map[imap.UID]*rawMsg, len(msgs))
	groups := map[string]*partGroup{}
	var keys []string
	snippets := p.w.opts.Parse.SnippetLen >= 0
	for _, m := range msgs {
		byUID[m.uid] = m
		if m.bs == nil {
			if !m.noStructure {
				m.problems = append(m.problems, "the server gave no BODYSTRUCTURE; snippet and attachments are missing")
			}
			continue
		}
		var g partGroup
		var key strings.Builder
		if m.plan.text != nil && snippets {
			g.text = m.plan.text.path
			key.WriteString("text " + m.plan.text.section())
		}
		for _, c := range m.plan.calendars {
			g.calendars = append(g.calendars, c.path)
			key.WriteString(" calendar " + c.section())
		}
		if key.Len() == 0 {
			continue
		}
		k := key.String()
		if groups[k] == nil {
			groups[k] = &g
			keys = append(keys, k)
		}
		groups[k].uids = append(groups[k].uids, m.uid)
	}
	slices.Sort(keys)
	for _, k := range keys {
		g := groups[k]
		p.cmds.add("FETCH")
		cmd := p.sess.c.Fetch(imap.UIDSetNum(g.uids...), &imap.FetchOptions{UID: true, BodySection: g.items()})
		err := p.readParts(cmd, g, byUID)
		if err == nil {
			continue
		}
		kind, err := p.classify(ctx, err)
		switch kind {
		case failFatal:
			return err
		case failUnreadable:
			p.w.log.Warn("part fetch unreadable", "folder", folder, "error", err)
			if err := p.reopen(ctx, folder, uidValidity); err != nil {
				return err
			}
		}
		// What came is kept; readParts noted what did not.
	}
	return nil
}

// needsParts reports whether a message's text and calendar parts are
// worth fetching: not when its header is unreadable (it is rejected) or
// when Options.NeedsParts says they are of no use.
func (p *poll) needsParts(m *rawMsg) bool {
	need := p.w.opts.NeedsParts
	return m.headerErr == nil && (need == nil || need(m.msg))
}

// readParts reads one second-stage FETCH into the messages; those the
// server did not answer for are given a problem.
func (p *poll) readParts(cmd *imapclient.FetchCommand, g *partGroup, byUID map[imap.UID]*rawMsg) error {
	calLimit := encodedLimit(mailparse.MaxCalendarBytes, "base64") // the larger of the encodings
	done := make(map[imap.UID]bool, len(g.uids))
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		var r *rawMsg
		for item := m.Next(); item != nil; item = m.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				r = byUID[it.UID]
			case imapclient.FetchItemDataBodySection:
				if r == nil || it.Section == nil {
					continue
				}
				if g.text != nil && slices.Equal(it.Section.Part, g.text) {
					r.text = p.readLiteral(it.Literal, SnippetBytes)
					continue
				}
				data := p.readLiteral(it.Literal, calLimit)
				if data == nil {
					continue
				}
				if r.calendars == nil {
					r.calendars = map[string][]byte{}
				}
				r.calendars[(&partRef{path: it.Section.Part}).section()] = data
			}
		}
		if r != nil {
			done[r.uid] = true
		}
	}
	err := cmd.Close()
	if err != nil {
		for _, u := range g.uids {
			if !done[u] {
				byUID[u].problems = append(byUID[u].problems, fmt.Sprintf("text and calendar parts not fetched: %v", err))
			}
		}
	}
	return err
}
