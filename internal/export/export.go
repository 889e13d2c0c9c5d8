// Package export writes what dealtrail has stored, deals with their
// activities, the review queue and the unlinked activities, as JSON in a
// shape other tools read, or as a flat CSV with one row per activity.
package export

import (
	"encoding/json"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Document is one export. Its JSON field names are a stable interface; its
// slices are never nil, so they encode as arrays.
type Document struct {
	Deals []Deal `json:"deals"`
	// Review holds activities the matcher could not place on one deal.
	Review []ReviewItem `json:"review"`
	// Unlinked holds activities on no deal and not waiting for review:
	// unknown companies, free-mail strangers, ignored, private or
	// unlinked by a person.
	Unlinked []Activity `json:"unlinked"`
}

// Deal is a deal with the activities linked to it, in time order.
type Deal struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Account    string           `json:"account"`
	Owner      string           `json:"owner"`
	Stage      string           `json:"stage"`
	Status     model.DealStatus `json:"status"`
	Activities []Activity       `json:"activities"`
}

// Activity is one email, meeting, note or call.
type Activity struct {
	ID   int64      `json:"id"`
	Kind model.Kind `json:"kind"`
	// Key is the Message-ID without angle brackets, or the derived key;
	// for a meeting, its UID, "/" and the original start of the
	// occurrence in RFC 3339 UTC.
	Key string `json:"key"`
	// At is the time in RFC 3339, UTC ("2026-03-01T09:00:00Z").
	At           string          `json:"at"`
	Direction    model.Direction `json:"direction"`
	Subject      string          `json:"subject"`
	Snippet      string          `json:"snippet"`
	Participants []Participant   `json:"participants"`
	Sightings    []Sighting      `json:"sightings"`
	Attachments  []Attachment    `json:"attachments"`
	// Link is nil when the activity was never linked.
	Link *Link `json:"link,omitempty"`
	// UID is a meeting's iCalendar UID; "" (absent) for other kinds.
	UID string `json:"uid,omitempty"`
	// Start and End are a meeting occurrence's times in RFC 3339, UTC;
	// "" (absent) for other kinds.
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	// Cancelled is set, true or false, for meetings only.
	Cancelled *bool `json:"cancelled,omitempty"`
}

// ReviewItem is an activity waiting for a person to choose its deal, with
// the candidate deal IDs, best first.
type ReviewItem struct {
	Activity
	Candidates []string `json:"candidates"`
}

// Participant is an address taking part in an activity. Status is a
// meeting attendee's answer (accepted, declined, tentative, needs-action,
// delegated), absent when unknown and for mail.
type Participant struct {
	Email  string         `json:"email"`
	Name   string         `json:"name"`
	Role   model.Role     `json:"role"`
	Status model.PartStat `json:"status,omitempty"`
}

// Sighting is a place where the team saw an activity: a mailbox folder
// (mailbox, folder, uid) for mail, a calendar source (calendar) for a
// meeting. Its JSON holds the fields of its kind only.
type Sighting struct {
	Mailbox  string
	Folder   string
	UID      uint32
	Calendar string
}

// MarshalJSON writes {"calendar": ...} for a calendar sighting and
// {"mailbox": ..., "folder": ..., "uid": ...} for a mailbox one.
func (s Sighting) MarshalJSON() ([]byte, error) {
	if s.Calendar != "" {
		return json.Marshal(struct {
			Calendar string `json:"calendar"`
		}{s.Calendar})
	}
	return json.Marshal(struct {
		Mailbox string `json:"mailbox"`
		Folder  string `json:"folder"`
		UID     uint32 `json:"uid"`
	}{s.Mailbox, s.Folder, s.UID})
}

// Attachment describes a file attached to a message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Link says where an activity stands with deals, how and why. State is
// one of auto, review, none, ignored (the matcher's) or confirmed,
// rejected, private (a person's, who is named in decided_by).
type Link struct {
	Deal       string          `json:"deal"`
	Method     model.Method    `json:"method"`
	State      model.LinkState `json:"state"`
	Confidence float64         `json:"confidence"`
	Reason     string          `json:"reason"`
	// Candidates are the other deals that fitted, best first.
	Candidates []string `json:"candidates,omitempty"`
	DecidedBy  string   `json:"decided_by,omitempty"`
}
