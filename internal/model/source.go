package model

import "time"

// SourceState is the polling state of one source (a mailbox, a calendar
// feed): the database decides what is due and how far errors back it off.
type SourceState struct {
	// Source names the source, such as "mailbox:rep1@ourco.example".
	Source string
	// NextPollAt is when the source is next due. It is written before
	// each attempt, so a crash mid-attempt never makes it due at once.
	NextPollAt    time.Time
	ErrorCount    int
	LastError     string
	LastAttemptAt time.Time
	LastSuccessAt time.Time
	// Items counts the messages or meetings seen at the last success.
	Items int64
}
