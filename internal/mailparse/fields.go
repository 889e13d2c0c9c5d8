package mailparse

import (
	"crypto/sha256"
	"encoding/hex"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/emersion/go-message/mail"
)

// maxReferences bounds the References kept; the first (the thread root)
// and the latest are the ones threading needs.
const maxReferences = 100

// headerFields fills everything that comes from the header block.
func headerFields(h mail.Header, now time.Time, p *problems) model.Message {
	subject, err := h.Subject()
	if err != nil || strings.Contains(subject, "=?") {
		subject = lenientWords(h.Get("Subject"), p)
	}
	m := model.Message{
		Subject:      collapse(subject),
		Date:         readDate(h, now, p),
		Participants: participants(h, p),
	}
	id, err := h.MessageID()
	m.MessageID = firstID(id, err, h.Get("Message-Id"), true)
	ids, err := h.MsgIDList("In-Reply-To")
	if id = ""; len(ids) > 0 {
		id = ids[0]
	}
	m.InReplyTo = firstID(id, err, h.Get("In-Reply-To"), false)
	ids, err = h.MsgIDList("References")
	if values := h.Values("References"); err != nil || len(values) > 1 {
		ids = nil
		for _, v := range values {
			ids = slices.AppendSeq(ids, msgIDs(v, false))
		}
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id = cleanID(id); id != "" && !seen[id] {
			seen[id] = true
			m.References = append(m.References, id)
		}
	}
	if n := len(m.References); n > maxReferences {
		m.References = append(m.References[:1], m.References[n-maxReferences+1:]...)
	}
	m.Key = m.MessageID
	if m.Key == "" {
		m.Key = derivedKey(h, &m)
	}
	return m
}

// firstID returns the id go-message read, or else the first one msgIDs
// finds in the field's value v.
func firstID(id string, err error, v string, bare bool) string {
	if err == nil && id != "" {
		return cleanID(id)
	}
	for id := range msgIDs(v, bare) {
		return id
	}
	return ""
}

// msgIDs yields the message ids in a value go-message could not read:
// what is inside angle brackets (white space removed, as folding may have
// split an id), or, when there are no brackets at all, the words that
// look like ids: any word when bare is true (Message-ID), else words with
// an "@" (In-Reply-To may hold prose).
func msgIDs(v string, bare bool) iter.Seq[string] {
	return func(yield func(string) bool) {
		if strings.ContainsAny(v, "<>") {
			for _, rest, found := strings.Cut(v, "<"); found; _, rest, found = strings.Cut(rest, "<") {
				var raw string
				raw, rest, _ = strings.Cut(rest, ">")
				if id := cleanID(raw); id != "" && !yield(id) {
					return
				}
			}
			return
		}
		for w := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if id := cleanID(w); id != "" && (bare || strings.Contains(id, "@")) && !yield(id) {
				return
			}
		}
	}
}

const maxID = 998

// cleanID removes white space and control characters from an id and
// bounds its length; ids are case-sensitive, so nothing else changes.
func cleanID(s string) string {
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > maxID {
		s = strings.ToValidUTF8(s[:maxID], "")
	}
	return s
}

// derivedKey identifies a message that has no Message-ID by a hash of
// what every copy of it shares: From, To, Cc (as lower-cased addresses),
// the decoded Subject and the Date text. Per-mailbox fields (Received,
// Delivered-To, ...) are left out, so the copies in two mailboxes get the
// same key.
func derivedKey(h mail.Header, m *model.Message) string {
	sum := sha256.New()
	write := func(label, value string) {
		sum.Write([]byte(label + "\x00" + value + "\x00"))
	}
	for _, f := range addressFields {
		if f.role != model.RoleFrom && f.role != model.RoleTo && f.role != model.RoleCc {
			continue
		}
		var emails []string
		for _, pt := range m.Participants {
			if pt.Role == f.role {
				emails = append(emails, pt.Email)
			}
		}
		v := strings.Join(emails, ",")
		if v == "" { // unreadable addresses still tell messages apart
			v = strings.ToLower(collapse(strings.Join(h.Values(f.key), ",")))
		}
		write(f.key, v)
	}
	write("Subject", m.Subject)
	write("Date", collapse(h.Get("Date")))
	return "sha256:" + hex.EncodeToString(sum.Sum(nil))
}
