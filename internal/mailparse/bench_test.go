package mailparse

import (
	"bytes"
	"encoding/base64"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// snippetFetch is how much of a text part the IMAP sync fetches for a
// snippet (mailsync.SnippetBytes).
const snippetFetch = 2048

// benchText is a business reply of about 2.5 KB, like the mail of the
// first-sync benchmark: a greeting, paragraphs, a closing and a quote.
func benchText() string {
	sentences := []string{
		"Thanks for taking the time to walk us through the platform yesterday.",
		"Our procurement team asked whether the annual price includes premium support.",
		"Could you send over the security documentation and your latest SOC 2 report?",
		"Legal has a few comments on the data processing agreement, mostly about sub-processors.",
		"Ich melde mich nächste Woche mit dem Feedback unseres Teams.",
		"Nous avons bien reçu la proposition et revenons vers vous rapidement.",
		"The onboarding plan looks good; we would add a training session for managers.",
	}
	var b strings.Builder
	b.WriteString("Hi Anna,\n\n")
	for i := 0; b.Len() < 2300; i++ {
		for j := range 4 {
			b.WriteString(sentences[(i*3+j)%len(sentences)] + " ")
		}
		b.WriteString("\n\n")
	}
	b.WriteString("Best regards,\nJürgen Müller\nGlobex Corp\n\nOn an earlier day, Anna Smith wrote:\n")
	for _, s := range sentences[:5] {
		b.WriteString("> " + s + "\n")
	}
	return strings.ReplaceAll(b.String(), "\n", "\r\n")
}

// benchHTML renders text as the HTML part a mail program sends beside it.
func benchHTML(text string) string {
	var b strings.Builder
	b.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>\n<body style=\"font-family: Arial, sans-serif; font-size: 11pt\">\n")
	for _, para := range strings.Split(text, "\r\n\r\n") {
		para = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r\n", "<br>\r\n").Replace(para)
		b.WriteString("<p style=\"margin: 0 0 12px 0\">" + para + "</p>\r\n")
	}
	b.WriteString("</body></html>\r\n")
	return b.String()
}

func benchQP(s string) []byte {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.Bytes()
}

func benchBase64(s string) []byte {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b bytes.Buffer
	for len(enc) > 0 {
		k := min(76, len(enc))
		b.WriteString(enc[:k] + "\r\n")
		enc = enc[k:]
	}
	return b.Bytes()
}

// fetchedHeader is typicalHeader as the sync fetches it: only the fields
// it asks the server for (BODY.PEEK[HEADER.FIELDS (...)]), in the order
// of the message.
var fetchedHeader = typicalHeader[strings.Index(typicalHeader, "References:"):]

// BenchmarkParseHeaderFetched is BenchmarkParseHeader on the header block
// the sync really parses.
func BenchmarkParseHeaderFetched(b *testing.B) {
	raw := []byte(fetchedHeader)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHeader(raw, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnippet makes snippets from the first snippetFetch bytes of
// text parts as the sync fetches them.
func BenchmarkSnippet(b *testing.B) {
	text := benchText()
	cases := []struct {
		name, media, encoding string
		body                  []byte
	}{
		{"plain-qp", "text/plain", "quoted-printable", benchQP(text)},
		{"html-qp", "text/html", "quoted-printable", benchQP(benchHTML(text))},
		{"plain-base64", "text/plain", "base64", benchBase64(text)},
	}
	params := map[string]string{"charset": "utf-8"}
	for _, c := range cases {
		body := c.body[:min(len(c.body), snippetFetch)]
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if s, err := Snippet(body, c.media, params, c.encoding, DefaultSnippetLen); err != nil || s == "" {
					b.Fatalf("Snippet = %q, %v", s, err)
				}
			}
		})
	}
}
