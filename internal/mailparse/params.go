package mailparse

import (
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
)

// contentType reads the Content-Type of a part: missing or unreadable,
// it is the default of the enclosing multipart.
func contentType(h message.Header, defaultType string, p *problems) (string, map[string]string) {
	v := h.Get("Content-Type")
	if v == "" {
		return defaultType, nil
	}
	media, params, ok := parseParams(v)
	if !ok {
		p.add("malformed Content-Type %s read leniently", quote(v))
	}
	if media == "text" {
		media = "text/plain"
	}
	if strings.Count(media, "/") != 1 || strings.ContainsAny(media, " \t") {
		p.add("unreadable Content-Type %s; part read as %s", quote(v), defaultType)
		media = defaultType
	}
	return media, params
}

// disposition returns the Content-Disposition of a part ("inline",
// "attachment" or "") and its decoded file name, without the directory a
// sender's client may have left in it. params are the Content-Type's,
// whose "name" is the older place for the file name.
func disposition(h message.Header, params map[string]string, p *problems) (disp, name string) {
	if v := h.Get("Content-Disposition"); v != "" {
		var dparams map[string]string
		disp, dparams, _ = parseParams(v)
		name = dparams["filename"]
	}
	if name == "" {
		name = params["name"]
	}
	name = decodeText(name, p)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 && i < len(name)-1 {
		name = name[i+1:]
	}
	return disp, name
}

// extendedParam matches the start of an RFC 2231 value in a charset:
// "name*=charset'" or "name*0*=charset'".
var extendedParam = regexp.MustCompile(`([\w.-]+)\*(?:0\*)?=\s*"?([\w.:-]+)'`)

// parseParams reads a Content-Type or Content-Disposition value with
// mime.ParseMediaType. Around it: RFC 2231 values in a charset other than
// UTF-8, which it leaves out, are relabelled UTF-8 and then decoded with
// go-message's charsets; a value it rejects (duplicate or unquoted
// parameters, a missing ';') is read one parameter at a time, with ok
// false.
func parseParams(v string) (media string, params map[string]string, ok bool) {
	legacy := make(map[string]string)
	if strings.Contains(v, "*") && strings.Contains(v, "'") && len(v) < 4096 { // regexp is slow on hostile input
		v = extendedParam.ReplaceAllStringFunc(v, func(m string) string {
			sub := extendedParam.FindStringSubmatch(m)
			if label := strings.ToLower(sub[2]); label != "utf-8" && label != "us-ascii" {
				legacy[strings.ToLower(sub[1])] = label
				return strings.TrimSuffix(m, sub[2]+"'") + "utf-8'"
			}
			return m
		})
	}
	media, params, err := mime.ParseMediaType(v)
	if err != nil {
		params = make(map[string]string)
		pieces := strings.Split(v, ";")
		media, pieces[0] = strings.TrimSpace(pieces[0]), ""
		if i := strings.IndexAny(media, " \t"); i >= 0 { // "text/plain charset=x"
			media, pieces[0] = media[:i], media[i:]
		}
		media = strings.ToLower(strings.Trim(media, `"'`))
		for _, piece := range pieces {
			_, ps, err := mime.ParseMediaType("x/x;" + piece)
			if k, val, found := strings.Cut(piece, "="); err != nil && found {
				ps = map[string]string{strings.ToLower(strings.TrimSpace(k)): strings.Trim(strings.TrimSpace(val), `"`)}
			}
			for k, val := range ps {
				if _, dup := params[k]; !dup {
					params[k] = val
				}
			}
		}
	}
	for k, label := range legacy {
		if s, found := params[k]; found {
			params[k], _ = decodeCharset([]byte(s), label)
		}
	}
	return media, params, err == nil
}
