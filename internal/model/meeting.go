package model

import "time"

// Participant roles taken from calendar events.
const (
	RoleOrganizer Role = "organizer"
	RoleAttendee  Role = "attendee"
)

// PartStat is an attendee's answer to a meeting invitation (iCalendar
// PARTSTAT), lower-cased: accepted, declined, tentative, needs-action,
// delegated; "" when unknown.
type PartStat string

// Attendee answers.
const (
	PartAccepted    PartStat = "accepted"
	PartDeclined    PartStat = "declined"
	PartTentative   PartStat = "tentative"
	PartNeedsAction PartStat = "needs-action"
	PartDelegated   PartStat = "delegated"
)

// Meeting holds what only a meeting activity has: one occurrence of a
// calendar event.
type Meeting struct {
	// UID is the iCalendar UID of the event (of the series, for a
	// recurring one).
	UID string
	// Instance is the occurrence's original start in UTC (its
	// RECURRENCE-ID): with UID it identifies the occurrence even after it
	// was moved. For a single event it is the event's start.
	Instance time.Time
	// Start and End are the occurrence's times in UTC. An all-day
	// occurrence starts and ends at midnight UTC of its dates.
	Start, End time.Time
	AllDay     bool
	// Cancelled is set for a cancelled event or occurrence: kept, since a
	// cancellation is part of a deal's story.
	Cancelled bool
	Location  string
	// Sequence is the event's SEQUENCE: of two versions, the higher wins.
	Sequence int
}

// Key is the activity key of the occurrence: UID, "/", and the original
// start in RFC 3339 UTC.
func (m Meeting) Key() string { return m.UID + "/" + m.Instance.UTC().Format(time.RFC3339) }

// Occurrence is one occurrence of a calendar event as a source read it,
// before it is stored as a meeting activity.
type Occurrence struct {
	Meeting
	Summary string
	// Description is the event's description as plain text.
	Description string
	// Participants are the organizer (RoleOrganizer) and the attendees
	// (RoleAttendee, with their Status).
	Participants []Participant
	// Method is the calendar's METHOD (REQUEST, CANCEL, PUBLISH...), or "".
	Method string
}

// CalendarBatch is what one poll of a calendar source produced: the
// occurrences of its changed objects within the window, and the source's
// new state, to be stored together.
type CalendarBatch struct {
	// Source names the calendar source, as in Sighting.Calendar.
	Source      string
	Occurrences []Occurrence
	State       FeedState
}
