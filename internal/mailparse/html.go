package mailparse

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxHTMLText bounds the text taken from one HTML part; a snippet needs
// far less, but quoted parts and signatures are dropped after this step.
const maxHTMLText = 32 << 10

var lineBreaks = strings.NewReplacer("\r", " ", "\n", " ")

// htmlToText renders HTML as plain text: tags removed, the contents of
// head, script, style and similar elements dropped, entities decoded, one
// line per block element. Lines inside a blockquote start with "> ", so
// that quoted replies are dropped like quoted plain text. It works on the
// token stream, not a tree, so it is linear in the input however deep the
// nesting, and reads cut-off HTML as far as it goes.
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	hidden, quotes, inHead, lineStart := 0, 0, false, true
	newline := func(sep byte) {
		if b.Len() > 0 && !lineStart {
			b.WriteByte(sep)
			lineStart = sep == '\n'
		}
	}
	for b.Len() < maxHTMLText {
		tt, step := z.Next(), 1
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if hidden == 0 && !inHead {
				if lineStart && quotes > 0 {
					b.WriteString("> ")
				}
				lineBreaks.WriteString(&b, string(z.Text())) // only white space in HTML
				lineStart = false
			}
			continue
		case html.EndTagToken:
			step = -1
		case html.SelfClosingTagToken, html.StartTagToken:
		default:
			continue
		}
		name, _ := z.TagName()
		switch a := atom.Lookup(name); {
		case a == atom.Head || a == atom.Body:
			inHead = a == atom.Head && step > 0
		case isHiddenElement(a):
			hidden = max(hidden+step, 0)
		case a == atom.Blockquote:
			quotes = max(quotes+step, 0)
			newline('\n')
		case a == atom.Td || a == atom.Th:
			newline(' ')
		case isBlockElement(a):
			newline('\n')
		}
	}
	return b.String()
}

// isHiddenElement reports whether an element's content is not shown as
// text: scripts, styles, the title, and the raw-text elements the
// tokenizer hands over unparsed.
func isHiddenElement(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Title, atom.Template, atom.Noscript,
		atom.Iframe, atom.Noembed, atom.Noframes, atom.Svg, atom.Param:
		return true
	}
	return false
}

// isBlockElement reports whether an element starts a new line of text.
func isBlockElement(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Tr, atom.Li, atom.Ul, atom.Ol, atom.Dl,
		atom.Dt, atom.Dd, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Hr, atom.Pre, atom.Table, atom.Section, atom.Article, atom.Header,
		atom.Footer, atom.Center, atom.Address, atom.Form:
		return true
	}
	return false
}
