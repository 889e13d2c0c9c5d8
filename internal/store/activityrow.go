package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Reading activities fast: every crossing from Go into SQLite costs, so an
// activity comes back as one text value (packActivity), and the
// participants and the sightings of up to attachBatch activities as one
// text value each. A packed record is "i1,i2,...,l1,l2,...:" followed by
// strings of the byte lengths l1, l2, ...: it holds any text, separators
// included, and splits without copying.

// packed builds the SQL of one packed record from integer expressions and
// text expressions; none may be NULL. concat builds the record in one
// allocation, where a chain of || would copy it once per piece.
func packed(ints, texts []string) string {
	parts := make([]string, 0, 2*(len(ints)+2*len(texts)))
	for i, e := range ints {
		if i > 0 {
			parts = append(parts, "','")
		}
		parts = append(parts, e)
	}
	for _, e := range texts {
		parts = append(parts, "','", "octet_length("+e+")")
	}
	parts = append(parts, "':'")
	parts = append(parts, texts...)
	return "concat(" + strings.Join(parts, ", ") + ")"
}

// activityTexts are the text fields of a packed activity (alias a, link
// alias l from a LEFT JOIN), in the order activityRecord reads them.
var activityTexts = []string{"a.kind", "a.key", "a.direction", "a.thread_key", "a.in_reply_to", "a.refs",
	"COALESCE(l.deal_id, '')", "COALESCE(l.state, '')", "COALESCE(l.method, '')",
	"CAST(COALESCE(l.confidence, 0) AS TEXT)", "COALESCE(l.reason, '')", "COALESCE(l.candidates, '[]')",
	"COALESCE(l.decided_by, '')"}

// fullTexts are read only for people, not for matching.
var fullTexts = []string{"a.subject", "a.snippet", "a.attachments"}

// packActivity returns the SQL of a packed activity whose first integer is
// extra (such as the queue's seq); with full, it carries subject, snippet
// and attachments too.
func packActivity(extra string, full bool) string {
	texts := activityTexts
	if full {
		texts = append(slices.Clone(texts), fullTexts...)
	}
	return packed([]string{extra, "a.id", "a.at", "(l.activity_id IS NOT NULL)", "COALESCE(l.decided_at, 0)"}, texts)
}

// activityRecord reads a packed activity; it returns the extra integer.
func activityRecord(s string, full bool) (model.Activity, int64, error) {
	var ints [5]int64
	var texts [16]string
	n := len(activityTexts)
	if full {
		n += len(fullTexts)
	}
	if _, err := unpack(s, ints[:], texts[:n]); err != nil {
		return model.Activity{}, 0, fmt.Errorf("read activity: %w", err)
	}
	a := model.Activity{ID: ints[1], At: unixTime(ints[2]), Kind: model.Kind(texts[0]), Key: texts[1],
		Direction: model.Direction(texts[2]), ThreadKey: texts[3], InReplyTo: texts[4], References: strings.Fields(texts[5])}
	if ints[3] == 1 {
		l := model.Link{DealID: texts[6], State: model.LinkState(texts[7]), Method: model.Method(texts[8]),
			Reason: texts[10], DecidedBy: texts[12], DecidedAt: unixTime(ints[4])}
		var err error
		if l.Confidence, err = strconv.ParseFloat(texts[9], 64); err != nil {
			return a, 0, fmt.Errorf("read link of activity %d: %w", a.ID, err)
		}
		if l.Candidates, err = decodeCandidates(texts[11]); err != nil {
			return a, 0, fmt.Errorf("read link of activity %d: %w", a.ID, err)
		}
		a.Link = &l
	}
	if full {
		a.Subject, a.Snippet = texts[13], texts[14]
		if texts[15] == "[]" {
			a.Attachments = []model.Attachment{} // as json.Unmarshal reads it, without its cost
		} else if err := json.Unmarshal([]byte(texts[15]), &a.Attachments); err != nil {
			return a, 0, fmt.Errorf("decode attachments of activity %d: %w", a.ID, err)
		}
	}
	return a, ints[0], nil
}

// unpack reads one packed record from the start of s into ints and texts
// and returns the rest of s.
func unpack(s string, ints []int64, texts []string) (string, error) {
	var lens [16]int
	if len(texts) > len(lens) {
		return "", fmt.Errorf("packed record of %d texts: at most %d", len(texts), len(lens))
	}
	n := len(ints) + len(texts)
	for i := range n {
		end := byte(',')
		if i == n-1 {
			end = ':'
		}
		v, j, ok := leadingInt(s)
		if !ok || j >= len(s) || s[j] != end {
			return "", fmt.Errorf("bad packed record %.40q", s)
		}
		if i < len(ints) {
			ints[i] = v
		} else {
			lens[i-len(ints)] = int(v)
		}
		s = s[j+1:]
	}
	for i := range texts {
		if lens[i] < 0 || lens[i] > len(s) {
			return "", fmt.Errorf("packed text overruns %.40q", s)
		}
		texts[i], s = s[:lens[i]], s[lens[i]:]
	}
	return s, nil
}

// leadingInt reads the decimal integer at the start of s and returns it
// and the index after it.
func leadingInt(s string) (int64, int, bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	start := i
	var v int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9' && i-start < 19; i++ {
		v = v*10 + int64(s[i]-'0')
	}
	if i == start {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

// attachBatch is how many activities one query of participants or
// sightings covers.
const attachBatch = 5000

// participantsSQL packs the participants of the activities whose ids are
// the JSON array ?, grouped by activity.
var participantsSQL = `SELECT COALESCE(group_concat(` +
	packed([]string{"p.activity_id", "p.pos"}, []string{"p.email", "p.name", "p.role", "p.status"}) + `, ''), '')
	FROM json_each(?) AS j CROSS JOIN participants AS p ON p.activity_id = j.value`

// sightingsSQL packs the sightings of the activities whose ids are the
// JSON array ?, grouped by activity.
var sightingsSQL = `SELECT COALESCE(group_concat(` +
	packed([]string{"s.activity_id", "s.uidvalidity", "s.uid"}, []string{"s.mailbox", "s.folder"}) + `, ''), '')
	FROM json_each(?) AS j CROSS JOIN sightings AS s ON s.activity_id = j.value`

// attach reads the participants and sightings of acts, calendar sightings
// included.
func attach(ctx context.Context, q queryer, acts []model.Activity) error {
	for start := 0; start < len(acts); start += attachBatch {
		batch := acts[start:min(start+attachBatch, len(acts))]
		index := make(map[int64]int, len(batch))
		ids := make([]byte, 0, len(batch)*8)
		ids = append(ids, '[')
		for i, a := range batch {
			index[a.ID] = i
			if i > 0 {
				ids = append(ids, ',')
			}
			ids = strconv.AppendInt(ids, a.ID, 10)
		}
		ids = append(ids, ']')
		var ps, ss string
		if err := q.QueryRowContext(ctx, participantsSQL, string(ids)).Scan(&ps); err != nil {
			return fmt.Errorf("read participants: %w", err)
		}
		if err := q.QueryRowContext(ctx, sightingsSQL, string(ids)).Scan(&ss); err != nil {
			return fmt.Errorf("read sightings: %w", err)
		}
		if err := attachParticipants(batch, index, ps); err != nil {
			return err
		}
		if err := attachSightings(batch, index, ss); err != nil {
			return err
		}
		if err := attachCalendarSightings(ctx, q, batch); err != nil {
			return err
		}
	}
	return nil
}

// attachParticipants spreads packed participants over acts, each
// activity's in pos order.
func attachParticipants(acts []model.Activity, index map[int64]int, s string) error {
	type placed struct {
		pos int64
		p   model.Participant
	}
	var group []placed
	owner := int64(-1)
	flush := func() {
		if i, ok := index[owner]; ok && len(group) > 0 {
			slices.SortStableFunc(group, func(a, b placed) int { return cmp.Compare(a.pos, b.pos) })
			ps := make([]model.Participant, len(group))
			for k, g := range group {
				ps[k] = g.p
			}
			acts[i].Participants = ps
		}
		group = group[:0]
	}
	var ints [2]int64
	var texts [4]string
	for s != "" {
		var err error
		if s, err = unpack(s, ints[:], texts[:]); err != nil {
			return fmt.Errorf("read participants: %w", err)
		}
		if ints[0] != owner {
			flush()
			owner = ints[0]
		}
		group = append(group, placed{ints[1], model.Participant{Email: texts[0], Name: texts[1], Role: model.Role(texts[2]),
			Status: model.PartStat(texts[3])}})
	}
	flush()
	return nil
}

// attachSightings spreads packed sightings over acts, each activity's
// ordered by mailbox, folder and UID.
func attachSightings(acts []model.Activity, index map[int64]int, s string) error {
	var ints [3]int64
	var texts [2]string
	for s != "" {
		var err error
		if s, err = unpack(s, ints[:], texts[:]); err != nil {
			return fmt.Errorf("read sightings: %w", err)
		}
		i, ok := index[ints[0]]
		if !ok {
			continue
		}
		sg := model.Sighting{Mailbox: texts[0], Folder: texts[1], UIDValidity: uint32(ints[1]), UID: uint32(ints[2])}
		if acts[i].Sightings == nil {
			acts[i].Sightings = make([]model.Sighting, 0, 2)
		}
		acts[i].Sightings = append(acts[i].Sightings, sg)
	}
	for i := range acts {
		if len(acts[i].Sightings) > 1 {
			slices.SortFunc(acts[i].Sightings, func(a, b model.Sighting) int {
				return cmp.Or(strings.Compare(a.Mailbox, b.Mailbox), strings.Compare(a.Folder, b.Folder), cmp.Compare(a.UID, b.UID))
			})
		}
	}
	return nil
}

// decodeCandidates reads the JSON candidates of a link; "[]" is nil. A
// plain list of strings without escapes, as deal IDs are, is split
// directly; anything else goes through encoding/json.
func decodeCandidates(s string) ([]string, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	if len(s) > 4 && s[0] == '[' && s[1] == '"' && s[len(s)-2] == '"' && s[len(s)-1] == ']' &&
		!strings.Contains(s[2:len(s)-2], `\`) {
		out := strings.Split(s[2:len(s)-2], `","`)
		if !slices.ContainsFunc(out, func(c string) bool { return strings.ContainsRune(c, '"') }) {
			return out, nil
		}
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode candidates %q: %w", s, err)
	}
	return out, nil
}

// encodeCandidates writes the JSON candidates of a link; nil is "[]".
func encodeCandidates(c []string) (string, error) {
	if len(c) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode candidates %v: %w", c, err)
	}
	return string(b), nil
}
