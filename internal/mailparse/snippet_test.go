package mailparse

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"tags and entities", "<p>Caf&eacute; &amp; <b>cr&#232;me</b>&nbsp;br&ucirc;l&eacute;e</p>", "Café & crème brûlée"},
		{"script and style", "<style>p{color:red}</style><script>alert('x')</script><p>visible</p>", "visible"},
		{"head and title", "<html><head><title>Title</title><meta charset=utf-8></head><body>Body</body></html>", "Body"},
		{"head without end", "<head><title>T</title><body>Body</body>", "Body"},
		{"blocks make lines", "<div>one</div><div>two</div>three<br>four", "one two three four"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b c"},
		{"white space", "<p>  lots\n\tof \r\n  space  </p>", "lots of space"},
		{"blockquote dropped", "<div>My answer</div><blockquote><p>their question</p></blockquote>", "My answer"},
		{"gmail reply", `<div>Sounds good</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Jan 1, 2024 at 9:00 AM Ann &lt;ann@x.example&gt; wrote:<br></div><blockquote>Shall we?</blockquote></div>`, "Sounds good"},
		{"only a quote", "<blockquote>quoted only</blockquote>", "> quoted only"},
		{"preheader padding", "<div>Hi&zwnj;&nbsp;&zwnj;&nbsp;&#847;&zwnj; there</div>", "Hi there"},
		{"comments", "<!--[if mso]><p>mso</p><![endif]-->text<!-- hidden -->", "text"},
		{"cut mid tag", "<p>complete</p><p>partial <b", "complete partial"},
		{"cut in style", "<p>before</p><style>p { col", "before"},
		{"unclosed markup", "<p>a<div>b<span>c", "a bc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Snippet([]byte(tt.html), "text/html", map[string]string{"charset": "utf-8"}, "", 300)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSnippetTruncated(t *testing.T) {
	tests := []struct {
		name, body, media, charset, encoding, want string
	}{
		{"qp cut after =", "Caf=C3=A9 cr=C3=A8me=", "text/plain", "utf-8", "quoted-printable", "Café crème"},
		{"qp cut after =X", "Caf=C3=A9 cr=C3=A", "text/plain", "utf-8", "quoted-printable", "Café cr"},
		{"qp cut mid rune", "Caf=C3=A9 cr=C3", "text/plain", "utf-8", "quoted-printable", "Café cr"},
		{"qp soft breaks", "a long=\r\n line and=\n more", "text/plain", "utf-8", "quoted-printable", "a long line and more"},
		{"qp lowercase and junk", "=e9t=e9 =ZZ 100=", "text/plain", "iso-8859-1", "quoted-printable", "été =ZZ 100"},
		{"base64 cut mid group", "Q2Fmw6kgY3LDqG1l\r\nIGJy", "text/plain", "utf-8", "base64", "Café crème br"},
		{"base64 cut to one char", "Q2Fmw6kgY3LDqG1lI", "text/plain", "utf-8", "base64", "Café crème"},
		{"base64 cut mid rune", "Q2Fmw6kgY3LD", "text/plain", "utf-8", "base64", "Café cr"},
		{"base64 indented", "Q2Fmw6kg\r\n  Y3LDqG1l\r\n", "text/plain", "utf-8", "BASE64", "Café crème"},
		{"iso-2022-jp cut", "\x1b$B$3$s$K$A$O\x1b(B world \x1b$B$3$", "text/plain", "iso-2022-jp", "7bit", "こんにちは world こ"},
		{"shift_jis cut mid char", "\x82\xb1\x82\xf1\x82", "text/plain", "shift_jis", "8bit", "こん"},
		{"html cut", "PGh0bWw+PGJvZHk+PHA+SGVsbG8gPGI+d29y", "text/html", "utf-8", "base64", "Hello wor"},
		{"upper-case params", "Caf\xe9", "TEXT/PLAIN", "", "", "Café"},
		{"utf-8 labelled latin-1", "Caf\xc3\xa9 cr\xc3\xa8me", "text/plain", "iso-8859-1", "8bit", "Café crème"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := map[string]string{}
			if tt.charset != "" {
				params["CHARSET"] = tt.charset
			}
			got, err := Snippet([]byte(tt.body), tt.media, params, tt.encoding, 100)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSnippetText(t *testing.T) {
	tests := []struct {
		name, body, want string
		max              int
	}{
		{"quotes and signature", "Yes, Friday works.\n\nOn Mon, 1 Jan 2024, Ann <ann@x.example> wrote:\n> Does Friday work?\n> Ann\n-- \nBob\nSales", "Yes, Friday works.", 300},
		{"attribution on two lines", "Sure.\nOn Mon, Jan 1, 2024 at 9:00 AM Ann Buyer <\nann@x.example> wrote:\n> hi", "Sure.", 300},
		{"outlook original", "Agreed.\n\n-----Original Message-----\nFrom: Ann\nSent: Monday", "Agreed.", 300},
		{"outlook rule", "Agreed.\n________________________________\nFrom: Ann\nSent: Monday", "Agreed.", 300},
		{"all quoted", "> only\n> quoted", "> only > quoted", 300},
		{"uuencoded", "here it is\nbegin 644 file.zip\nM1234567\nend", "here it is", 300},
		{"word boundary", "alpha beta gamma delta", "alpha beta", 13},
		{"exact fit", "alpha beta", "alpha beta", 10},
		{"long word", "abcdefghijklmnop", "abcdefghij", 10},
		{"no spaces", "日本語のテキストです", "日本語のテ", 5},
		{"invisible", "a\u200bb\ufeffc\u00add", "abcd", 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Snippet([]byte(tt.body), "text/plain", nil, "", tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSnippetProblems(t *testing.T) {
	tests := []struct {
		name, media, charset, encoding, body, problem string
	}{
		{"not text", "image/png", "", "base64", "iVBORw0KGgo=", "no text"},
		{"unknown charset", "text/plain", "x-bogus", "", "abc\xe9", "unknown charset"},
		{"unknown encoding", "text/plain", "utf-8", "x-uuencode", "abc", "unknown transfer encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Snippet([]byte(tt.body), tt.media, map[string]string{"charset": tt.charset}, tt.encoding, 0)
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("error = %v, want one about %q", err, tt.problem)
			}
			if !utf8.ValidString(got) {
				t.Errorf("snippet %q is not valid UTF-8", got)
			}
		})
	}
}
