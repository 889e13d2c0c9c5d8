// Package testenv lets tests find the real parts they need (servers, the
// shared corpus) and decides what happens when one is missing: a skip that
// says how to get it, or, when DEALTRAIL_NO_SKIP is set (as CI sets it), a
// failure, so nothing real is silently left out.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// NoSkipVar is the environment variable that turns every missing-part skip
// into a failure.
const NoSkipVar = "DEALTRAIL_NO_SKIP"

// CorpusVar names the environment variable that points at the shared
// real-world corpus of eml and ics files.
const CorpusVar = "DEALTRAIL_CORPUS"

// Missing skips t, or fails it when NoSkipVar is set, saying what is
// missing and how to get it.
func Missing(t testing.TB, what, how string) {
	t.Helper()
	if os.Getenv(NoSkipVar) != "" {
		t.Fatalf("%s is missing and %s is set: %s", what, NoSkipVar, how)
	}
	t.Skipf("%s is missing: %s (set %s=1 to make this a failure)", what, how, NoSkipVar)
}

// Corpus returns the directory dir (such as "eml" or "ics") inside the
// shared corpus, or skips t when CorpusVar is unset or does not point at it.
func Corpus(t testing.TB, dir string) string {
	t.Helper()
	root := os.Getenv(CorpusVar)
	if root == "" {
		Missing(t, "the shared corpus", "set "+CorpusVar+" to the corpus directory (../shared/corpus in CI)")
	}
	path := filepath.Join(root, dir)
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		Missing(t, "corpus directory "+path, "set "+CorpusVar+" to a directory holding eml/ and ics/")
	}
	return path
}
