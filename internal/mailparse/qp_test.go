package mailparse

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// stdlibQP decodes src with mime/quotedprintable.
func stdlibQP(src []byte) ([]byte, error) {
	return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(src)))
}

var qpSeeds = []string{
	"", "plain\r\n", "caf=C3=A9 au lait=\r\nsoft break\r\n", "=\r\n", "=", "a=", "a =  \r\nb",
	"x=4\n", "x=4", "=zz not hex", "=3d=3D=3", "tab\there\n\r\nbare\rCR", "ctl\x01byte",
	"8bit \xe9t\xe9\n", "trailing   \t\r\nspace", "=\n=\r\n=  \n", "a=\rb", "line=\r\n",
	strings.Repeat("x", 5000) + "\n", strings.Repeat("y", 4096), strings.Repeat("z", 4095) + "\n",
	strings.Repeat("w", 4095) + "=\r\nmore",
}

// FuzzDecodeQP holds decodeQP to mime/quotedprintable: the same bytes
// and an error at the same point, for any input.
func FuzzDecodeQP(f *testing.F) {
	for _, s := range qpSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want, wantErr := stdlibQP(src)
		got, gotErr := decodeQP(src)
		if !bytes.Equal(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("decodeQP(%q) = %q, %v; mime/quotedprintable gives %q, %v", src, got, gotErr, want, wantErr)
		}
	})
}

// TestQuotedPrintableReader reads the decoded text through the reader
// the snippet uses, error included.
func TestQuotedPrintableReader(t *testing.T) {
	for _, s := range qpSeeds {
		want, wantErr := stdlibQP([]byte(s))
		got, gotErr := io.ReadAll(quotedPrintable([]byte(s)))
		if !bytes.Equal(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("quotedPrintable(%q) reads %q, %v; want %q, %v", s, got, gotErr, want, wantErr)
		}
	}
}

// BenchmarkDecodeQP compares decodeQP with mime/quotedprintable on 2 KB
// of French text, the size of the text a sync fetches per message.
func BenchmarkDecodeQP(b *testing.B) {
	var body strings.Builder
	for body.Len() < 2048 {
		body.WriteString("Bonjour, voici le r=C3=A9sum=C3=A9 de notre r=C3=A9union de mardi avec l'=C3=A9quipe achats,=\r\net les prochaines =C3=A9tapes.\r\n")
	}
	src := []byte(body.String())
	b.Run("decodeQP", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeQP(src); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		for b.Loop() {
			if _, err := stdlibQP(src); err != nil {
				b.Fatal(err)
			}
		}
	})
}
