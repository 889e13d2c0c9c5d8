// Package crm brings deals in from the team's CRM: it reads a deals CSV
// file, checks every row, and imports the deals into the store in one go,
// so a file with any bad row changes nothing.
package crm

import "fmt"

// LineError is a problem with one line of a deals file. Its message starts
// with the file name and line, as compilers do ("deals.csv:7: ...").
type LineError struct {
	File string
	Line int
	Err  error
}

// Error returns "file:line: problem".
func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the problem, such as a *store.DealError.
func (e *LineError) Unwrap() error { return e.Err }
