package ingest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/mailparse"
	"github.com/dealtrail/dealtrail/internal/model"
)

// TestLimitSnippets stores a long mail snippet and a long meeting
// description under each limit: 0 keeps the sources' lengths, a positive
// limit cuts at a word within it, a negative one stores no text.
func TestLimitSnippets(t *testing.T) {
	long := strings.Repeat("Über pricing terms ", 200) // 3800 runes
	for _, tc := range []struct {
		limit         int
		mailMax, meet int // most runes stored; meet: of the meeting
		none          bool
	}{
		{0, utf8.RuneCountInString(long), mailparse.DefaultSnippetLen, false},
		{50, 50, 50, false},
		{-1, 0, 0, true},
	} {
		rec := &recordingStore{}
		in := New(rec, model.NewTeam([]string{"ourco.example"}, nil), &countingLinker{}, slog.New(slog.DiscardHandler))
		in.LimitSnippets(tc.limit)
		m := msg("a@x", "buyer@acme.example", "rep1@ourco.example")
		m.Snippet = long
		if err := in.SaveMailBatch(context.Background(), model.MailBatch{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 1, LastUID: 1,
			Messages: []model.FetchedMessage{{UID: 1, Message: m}}}); err != nil {
			t.Fatal(err)
		}
		o := occurrence("u1", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), "rep1@ourco.example", "buyer@acme.example")
		o.Description = long
		if err := in.SaveCalendar(context.Background(), model.CalendarBatch{Source: "cal", Occurrences: []model.Occurrence{o}}); err != nil {
			t.Fatal(err)
		}
		mail := rec.batches[0].Activities[0].Snippet
		meet := rec.calendars[0].Activities[0].Snippet
		if n := utf8.RuneCountInString(mail); n > tc.mailMax || (tc.none != (n == 0)) {
			t.Errorf("limit %d: mail snippet of %d runes, want at most %d (none: %v)", tc.limit, n, tc.mailMax, tc.none)
		}
		if n := utf8.RuneCountInString(meet); n > tc.meet || (tc.none != (n == 0)) {
			t.Errorf("limit %d: meeting snippet of %d runes, want at most %d (none: %v)", tc.limit, n, tc.meet, tc.none)
		}
		if tc.limit == 0 && mail != long {
			t.Errorf("limit 0: mail snippet of %d runes, want the source's %d unchanged", utf8.RuneCountInString(mail), utf8.RuneCountInString(long))
		}
		if tc.limit > 0 && !strings.HasPrefix(long, mail) {
			t.Errorf("limit %d: mail snippet %q is not the start of the text", tc.limit, mail)
		}
	}
}
