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
	// FirstSuccessAt is when the source first synced; zero until then.
	// The store sets it at the first success and keeps it.
	FirstSuccessAt time.Time
	// Items counts the messages or meetings seen at the last success.
	Items int64
}

// FeedState is what a calendar source remembers between polls so that an
// unchanged calendar costs almost nothing: HTTP validators and a hash of
// the last body for an ICS feed; per calendar, the collection tag or sync
// token and the ETags of its objects for CalDAV.
type FeedState struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// BodyHash is the SHA-256 of the last body, hex: many servers send no
	// ETag, or a 200 with the same body, and some a broken 304.
	BodyHash string `json:"body_hash,omitempty"`
	// Calendars holds the state of each CalDAV calendar by its path.
	Calendars map[string]CalendarState `json:"calendars,omitempty"`
	// ExpandedAt is when every object was last read and expanded. The
	// expansion window moves with time, so even an unchanged calendar is
	// read in full once a day: a weekly meeting keeps its next
	// occurrences.
	ExpandedAt time.Time `json:"expanded_at,omitzero"`
}

// CalendarState is the change-detection state of one CalDAV calendar.
type CalendarState struct {
	CTag      string `json:"ctag,omitempty"`
	SyncToken string `json:"sync_token,omitempty"`
	// Objects maps each calendar object's path to its ETag.
	Objects map[string]string `json:"objects,omitempty"`
}
