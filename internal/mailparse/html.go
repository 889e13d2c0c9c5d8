package mailparse

import (
	"bytes"
	"iter"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxHTMLText bounds the text taken from one HTML part; a snippet needs
// far less, but quoted parts and signatures are dropped after this step.
const maxHTMLText = 32 << 10

// writeOneLine writes text to b with its line breaks made spaces.
func writeOneLine(b *strings.Builder, text []byte) {
	for {
		i := bytes.IndexAny(text, "\r\n")
		if i < 0 {
			b.Write(text)
			return
		}
		b.Write(text[:i])
		b.WriteByte(' ')
		text = text[i+1:]
	}
}

// htmlLines renders HTML as plain text and yields it line by line: tags
// removed, the contents of head, script, style and similar elements
// dropped, entities decoded, one line per block element. Lines inside a
// blockquote start with "> ", so that quoted replies are dropped like
// quoted plain text. It works on the token stream, not a tree, so it is
// linear in the input however deep the nesting, reads cut-off HTML as far
// as it goes, and reads no further than the lines taken.
func htmlLines(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		z := html.NewTokenizer(strings.NewReader(s))
		var b strings.Builder // the whole text, for maxHTMLText
		start := 0            // of the line being written
		hidden, quotes, inHead, lineStart := 0, 0, false, true
		newline := func(sep byte) bool {
			if b.Len() == 0 || lineStart {
				return true
			}
			b.WriteByte(sep)
			if lineStart = sep == '\n'; !lineStart {
				return true
			}
			line := b.String()[start : b.Len()-1]
			start = b.Len()
			return yield(line)
		}
		for b.Len() < maxHTMLText {
			tt, step := z.Next(), 1
			switch tt {
			case html.ErrorToken:
				yield(b.String()[start:])
				return
			case html.TextToken:
				if hidden == 0 && !inHead {
					if lineStart && quotes > 0 {
						b.WriteString("> ")
					}
					writeOneLine(&b, z.Text()) // line breaks are only white space in HTML
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
			more := true
			switch a := atom.Lookup(name); {
			case a == atom.Head || a == atom.Body:
				inHead = a == atom.Head && step > 0
			case isHiddenElement(a):
				hidden = max(hidden+step, 0)
			case a == atom.Blockquote:
				quotes = max(quotes+step, 0)
				more = newline('\n')
			case a == atom.Td || a == atom.Th:
				more = newline(' ')
			case isBlockElement(a):
				more = newline('\n')
			}
			if !more {
				return
			}
		}
		yield(b.String()[start:])
	}
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
