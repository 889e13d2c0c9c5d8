package mailparse

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/testenv"
)

// corpusFiles returns every .eml file of the shared corpus, or skips.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.Corpus(t, "eml"), "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .eml files in the corpus (%v)", err)
	}
	return files
}

// headerBlock returns raw up to and including the first blank line, as
// IMAP's BODY[HEADER] would.
func headerBlock(raw []byte) []byte {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			return raw[:i+len(sep)]
		}
	}
	return raw
}

// TestCorpus reads every corpus file whole, then its header block alone:
// none may panic, every result must be valid UTF-8 with a key or be an
// error, and the header block must give the same header fields.
func TestCorpus(t *testing.T) {
	var parsed, withProblems, withSnippet, rejected int
	for _, path := range corpusFiles(t) {
		name := filepath.Base(path)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(raw, Options{})
		checkResult(t, name, m, err)
		h, herr := ParseHeader(headerBlock(raw), Options{})
		checkResult(t, name+" header block", h, herr)
		if err != nil {
			rejected++
			t.Logf("%s: rejected: %v", name, err)
			continue
		}
		parsed++
		if len(m.Problems) > 0 {
			withProblems++
		}
		if m.Snippet != "" {
			withSnippet++
		}
		if herr != nil {
			t.Errorf("%s: Parse read it but ParseHeader on its header block failed: %v", name, herr)
			continue
		}
		if h.Key != m.Key || h.Subject != m.Subject || !h.Date.Equal(m.Date) || !reflect.DeepEqual(h.Participants, m.Participants) {
			t.Errorf("%s: ParseHeader differs from Parse:\n%+v\n%+v", name, h, m)
		}
	}
	t.Logf("corpus: %d parsed (%d with problems, %d with a snippet), %d rejected", parsed, withProblems, withSnippet, rejected)
}

// TestCorpusExpectations pins what a few corpus files must give: legacy
// charsets, encoded words, attachments and invitations.
func TestCorpusExpectations(t *testing.T) {
	dir := testenv.Corpus(t, "eml")
	tests := []struct {
		file         string
		subject      string
		date         string // RFC 3339, "" for none
		participants []model.Participant
		snippet      string
		attachments  []string
		calendars    int
		problem      string
	}{
		{
			file:    "mikelmail-multicharset-japanese_iso_2022.eml",
			subject: "まみむめも",
			participants: []model.Participant{
				{Email: "raasdnil@gmail.com", Name: "Mikel Lindsaar", Role: model.RoleFrom},
				{Email: "raasdnil@gmail.com", Name: "みける", Role: model.RoleTo},
			},
			snippet: "すみません。",
			problem: "no Date header",
		},
		{
			file:    "mailcore2-summary-989-encoding-7.eml",
			subject: "Тестовое сообщение в кодировке windows-1251",
			date:    "2014-12-16T17:48:17+02:00",
			participants: []model.Participant{
				{Email: "foxinushkatest@gmail.com", Name: "Viktor Gedzenko", Role: model.RoleFrom},
				{Email: "foxinushkatest@gmail.com", Role: model.RoleTo},
			},
			snippet: "Тестовое сообщение в кодировке windows-1251",
		},
		{
			file:    "mikelmail-multicharset-ks_c_5601-1987.eml",
			subject: "test",
			date:    "2014-05-28T17:18:19+09:00",
			participants: []model.Participant{
				{Email: "from@example.com", Role: model.RoleFrom},
				{Email: "unknown@example.com", Role: model.RoleTo},
			},
			snippet: "스티해",
		},
		{
			file:    "mailcore2-summary-4489-to-field-chinese.eml",
			subject: "测试费表格",
			date:    "2011-10-09T09:37:46+08:00",
			participants: []model.Participant{
				{Email: "naiqi.xiao@utoronto.ca", Name: "Naiqi Xiao", Role: model.RoleFrom},
				{Email: "19509328@qq.com", Name: "王 琦君", Role: model.RoleTo},
			},
			snippet:     "见附件。 谢了！ 肖乃奇 Dr. Eric Jackman Institute of Child Study Ontario Institute for Studies in Education University of Toronto",
			attachments: []string{"测试费 1009.xls"},
		},
		{
			file:    "mailparser-nodemailer.eml",
			subject: "Nodemailer is unicode friendly ✔ (1476358788189)",
			date:    "2016-10-13T11:39:48Z",
			participants: []model.Participant{
				{Email: "andris@kreata.ee", Name: "Andris Kreata", Role: model.RoleFrom},
				{Email: "andris+123@kreata.ee", Name: "Andris Reinman", Role: model.RoleTo},
				{Email: "andris.reinman@gmail.com", Role: model.RoleTo},
			},
			snippet:     "Hello to myself!",
			attachments: []string{"image.png", "nyan cat ✔.gif", "notes.txt"},
		},
		{
			file:    "mailcore2-summary-1015-windows-1252.eml",
			subject: "Re: Test test",
			date:    "2014-12-01T23:59:42+01:00",
			participants: []model.Participant{
				{Email: "test@test.net", Name: "Test test", Role: model.RoleFrom},
				{Email: "test@test.net", Name: "Test test", Role: model.RoleTo},
			},
			snippet: "Thanks, Lena. So I guess I have an issue with Siri on one of my iPads, which is why the microphone wasn’t showing up. ... [Description: Description: cid:image001.png@01CD286C.D0001580]",
			problem: "mbox",
		},
		{
			file:    "mikelmail-attachment-attachment_with_quoted_filename.eml",
			subject: "Eelanalüüsi päring",
			date:    "2009-05-13T11:42:01-04:00",
			participants: []model.Participant{
				{Email: "jeff@37signals.com", Name: "Jeffrey Hardy", Role: model.RoleFrom},
				{Email: "jeff@37signals.com", Name: "Jeffrey Hardy", Role: model.RoleTo},
			},
			attachments: []string{"Eelanalüüsi päring.jpg"},
		},
		{
			file:    "thunderbird-outlook-test-invite.eml",
			subject: "Testaus",
			date:    "2021-11-19T20:00:31Z",
			participants: []model.Participant{
				{Email: "marge@example.org", Name: "Marge", Role: model.RoleFrom},
				{Email: "homer@example.org", Name: "Homer", Role: model.RoleTo},
			},
			calendars: 1,
		},
		{
			file:    "mikelmail-plain-raw_email_incorrect_header.eml",
			subject: "Stop adware/spyware once and for all.",
			date:    "2005-02-23T18:20:17-04:00",
			participants: []model.Participant{
				{Email: "xxx@xxx.xxx", Name: "xxx xxx", Role: model.RoleFrom},
				{Email: "xxx@xxx.com", Role: model.RoleTo},
			},
			snippet: "You are infected with: Ad Ware and Spy Ware Get your free scan and removal download now, before it gets any worse. http://xxx.xxx.info?aid=3D13&?stat=3D4327kdzt no more? (you will still be infected) http://xxx.xxx.info/discon/?xxx@xxx.com",
			problem: "malformed header line",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			m := mustParse(t, raw)
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if date := formatDate(m.Date); date != tt.date {
				t.Errorf("Date = %q, want %q", date, tt.date)
			}
			if !reflect.DeepEqual(m.Participants, tt.participants) {
				t.Errorf("Participants =\n%+v\nwant\n%+v", m.Participants, tt.participants)
			}
			if m.Snippet != tt.snippet {
				t.Errorf("Snippet = %q, want %q", m.Snippet, tt.snippet)
			}
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Name)
			}
			if !reflect.DeepEqual(names, tt.attachments) {
				t.Errorf("attachments = %q, want %q", names, tt.attachments)
			}
			if len(m.Calendars) != tt.calendars {
				t.Errorf("%d calendars, want %d", len(m.Calendars), tt.calendars)
			}
			for _, c := range m.Calendars {
				if !bytes.HasPrefix(c, []byte("BEGIN:VCALENDAR")) {
					t.Errorf("calendar starts %q", c[:min(len(c), 20)])
				}
			}
			if tt.problem != "" && !hasProblem(m, tt.problem) || tt.problem == "" && len(m.Problems) > 0 {
				t.Errorf("Problems = %q, want one about %q", m.Problems, tt.problem)
			}
		})
	}
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
