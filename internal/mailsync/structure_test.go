package mailsync

import (
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/dealtrail/dealtrail/internal/model"
)

func leaf(typ, sub string, size uint32, disp string, params map[string]string) *imap.BodyStructureSinglePart {
	p := &imap.BodyStructureSinglePart{Type: typ, Subtype: sub, Size: size, Encoding: "7bit", Params: params}
	if disp != "" {
		p.Extended = &imap.BodyStructureSinglePartExt{Disposition: &imap.BodyStructureDisposition{Value: disp}}
	}
	return p
}

func multi(sub string, children ...imap.BodyStructure) *imap.BodyStructureMultiPart {
	return &imap.BodyStructureMultiPart{Subtype: sub, Children: children}
}

func TestPlanParts(t *testing.T) {
	pdf := leaf("application", "pdf", 78000, "attachment", map[string]string{"name": "q.pdf"})
	pdf.Encoding = "base64"
	cal := leaf("text", "calendar", 900, "", map[string]string{"method": "REQUEST"})
	big := leaf("text", "calendar", 400<<10, "", nil)
	notes := leaf("text", "plain", 50, "inline", map[string]string{"name": "notes.txt"})
	fwd := leaf("message", "rfc822", 5000, "", nil)
	fwd.MessageRFC822 = &imap.BodyStructureMessageRFC822{Envelope: &imap.Envelope{Subject: "Fwd thing"},
		BodyStructure: leaf("text", "plain", 10, "", nil)}
	rfc2231 := leaf("image", "png", 100, "inline", nil)
	rfc2231.Extended.Disposition.Params = map[string]string{"filename*": "utf-8''%E2%82%AC%20logo.png"}

	for _, tc := range []struct {
		name        string
		bs          imap.BodyStructure
		text        string
		calendars   []string
		attachments []model.Attachment
		problems    int
	}{
		{"single plain", leaf("text", "plain", 10, "", nil), "1", nil, nil, 0},
		{"single html", leaf("text", "html", 10, "", nil), "1", nil, nil, 0},
		{"single pdf", pdf, "", nil, []model.Attachment{{Name: "q.pdf", ContentType: "application/pdf", Size: 57000}}, 0},
		{"alternative", multi("alternative", leaf("text", "plain", 1, "", nil), leaf("text", "html", 1, "", nil)), "1", nil, nil, 0},
		{"html first", multi("alternative", leaf("text", "html", 1, "", nil), leaf("text", "plain", 1, "", nil)), "2", nil, nil, 0},
		{"mixed", multi("mixed", multi("alternative", leaf("text", "plain", 1, "", nil), leaf("text", "html", 1, "", nil)), pdf),
			"1.1", nil, []model.Attachment{{Name: "q.pdf", ContentType: "application/pdf", Size: 57000}}, 0},
		{"related html", multi("mixed", multi("related", leaf("text", "html", 1, "", nil), rfc2231)),
			"1.1", nil, []model.Attachment{{Name: "€ logo.png", ContentType: "image/png", Size: 100}}, 0},
		{"text attachment is not the body", multi("mixed", notes, leaf("text", "html", 1, "", nil)),
			"2", nil, []model.Attachment{{Name: "notes.txt", ContentType: "text/plain", Size: 50}}, 0},
		{"invite", multi("mixed", multi("alternative", leaf("text", "plain", 1, "", nil), cal)), "1.1", []string{"1.2"}, nil, 0},
		{"huge invite", multi("mixed", leaf("text", "plain", 1, "", nil), big), "1", nil, nil, 1},
		{"forwarded", multi("mixed", leaf("text", "plain", 1, "", nil), fwd),
			"1", nil, []model.Attachment{{Name: "Fwd thing", ContentType: "message/rfc822", Size: 5000}}, 0},
		{"no text", multi("mixed", pdf), "", nil, []model.Attachment{{Name: "q.pdf", ContentType: "application/pdf", Size: 57000}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := planParts(tc.bs)
			text := ""
			if p.text != nil {
				text = p.text.section()
			}
			var cals []string
			for _, c := range p.calendars {
				cals = append(cals, c.section())
			}
			if text != tc.text || !slices.Equal(cals, tc.calendars) || !slices.Equal(p.attachments, tc.attachments) || len(p.problems) != tc.problems {
				t.Errorf("plan: text %q calendars %v attachments %+v problems %v;\nwant text %q calendars %v attachments %+v",
					text, cals, p.attachments, p.problems, tc.text, tc.calendars, tc.attachments)
			}
		})
	}
}

func TestPlanPartsDeepNesting(t *testing.T) {
	var bs imap.BodyStructure = leaf("text", "plain", 1, "", nil)
	for range 10000 {
		bs = multi("mixed", bs)
	}
	p := planParts(bs)
	if p.text != nil || len(p.problems) != 1 {
		t.Errorf("deep nesting: %+v", p)
	}
}

func TestPickSent(t *testing.T) {
	l := func(name string, attrs ...imap.MailboxAttr) *imap.ListData {
		return &imap.ListData{Mailbox: name, Delim: '/', Attrs: attrs}
	}
	for _, tc := range []struct {
		name string
		list []*imap.ListData
		want string
	}{
		{"special use wins", []*imap.ListData{l("INBOX"), l("Sent"), l("Gesendet", imap.MailboxAttrSent)}, "Gesendet"},
		{"exchange", []*imap.ListData{l("INBOX"), l("Sent Items"), l("Deleted Items")}, "Sent Items"},
		{"gmail", []*imap.ListData{l("INBOX"), l("[Gmail]", imap.MailboxAttrNoSelect), l("[Gmail]/Sent Mail")}, "[Gmail]/Sent Mail"},
		{"nested leaf", []*imap.ListData{l("INBOX"), l("Archive/Old/Sent Messages")}, "Archive/Old/Sent Messages"},
		{"case", []*imap.ListData{l("INBOX"), l("SENT")}, "SENT"},
		{"noselect skipped", []*imap.ListData{l("Sent", imap.MailboxAttrNoSelect, imap.MailboxAttrSent)}, ""},
		{"none", []*imap.ListData{l("INBOX"), l("Drafts")}, ""},
	} {
		if got := pickSent(tc.list); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSplitBatches(t *testing.T) {
	uids := []imap.UID{2, 3, 5, 8, 13, 21, 34}
	got := splitBatches(uids, 3, 40)
	want := []batchPlan{{uids[:3], 5}, {uids[3:6], 21}, {uids[6:], 40}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range got {
		if !slices.Equal(got[i].uids, want[i].uids) || got[i].lastUID != want[i].lastUID {
			t.Errorf("batch %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := splitBatches(nil, 3, 9); len(got) != 1 || got[0].lastUID != 9 || got[0].uids != nil {
		t.Errorf("no UIDs: %+v", got)
	}
}
