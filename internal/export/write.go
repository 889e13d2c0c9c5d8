package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// WriteJSON writes doc as indented JSON.
func WriteJSON(w io.Writer, doc Document) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write JSON export: %w", err)
	}
	return nil
}

// csvHeader names the CSV columns. state is linked, review or unlinked;
// candidates lists the deal IDs of a review item. The meeting columns
// (uid, start, end, cancelled) come last, so readers of the older columns
// keep working; they are empty for other kinds. A meeting's from is its
// organizer.
var csvHeader = []string{"deal_id", "activity_id", "kind", "key", "at", "direction", "subject", "from",
	"participants", "mailboxes", "link_method", "link_state", "confidence", "reason", "state", "candidates",
	"uid", "start", "end", "cancelled"}

// WriteCSV writes doc with a header row and one row per activity: the
// deals' activities, then the review queue, then the unlinked ones. Lists
// in a cell are ;-separated. A cell that a spreadsheet would run as a
// formula (starting with =, +, -, @, tab or CR) gets a leading single
// quote, since subjects and addresses are written by outsiders.
func WriteCSV(w io.Writer, doc Document) error {
	cw := csv.NewWriter(w)
	rows := [][]string{csvHeader}
	for _, d := range doc.Deals {
		for _, a := range d.Activities {
			rows = append(rows, csvRow(d.ID, a, "linked", nil))
		}
	}
	for _, r := range doc.Review {
		rows = append(rows, csvRow("", r.Activity, "review", r.Candidates))
	}
	for _, a := range doc.Unlinked {
		rows = append(rows, csvRow("", a, "unlinked", nil))
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write CSV export: %w", err)
	}
	return nil
}

// csvRow is the row of one activity, each cell defused.
func csvRow(dealID string, a Activity, state string, candidates []string) []string {
	var from string
	var emails, mailboxes []string
	for _, p := range a.Participants {
		if (p.Role == model.RoleFrom || p.Role == model.RoleOrganizer) && from == "" {
			from = p.Email
		}
		if !slices.Contains(emails, p.Email) {
			emails = append(emails, p.Email)
		}
	}
	for _, s := range a.Sightings {
		if s.Mailbox != "" && !slices.Contains(mailboxes, s.Mailbox) {
			mailboxes = append(mailboxes, s.Mailbox)
		}
	}
	var cancelled string
	if a.Cancelled != nil {
		cancelled = strconv.FormatBool(*a.Cancelled)
	}
	var method, linkState, confidence, reason string
	if l := a.Link; l != nil {
		method, linkState, reason = string(l.Method), string(l.State), l.Reason
		confidence = strconv.FormatFloat(l.Confidence, 'f', -1, 64)
	}
	row := []string{dealID, strconv.FormatInt(a.ID, 10), string(a.Kind), a.Key, a.At, string(a.Direction),
		a.Subject, from, strings.Join(emails, ";"), strings.Join(mailboxes, ";"),
		method, linkState, confidence, reason, state, strings.Join(candidates, ";"),
		a.UID, a.Start, a.End, cancelled}
	for i, cell := range row {
		row[i] = defuse(cell)
	}
	return row
}

// defuse keeps a spreadsheet from reading a cell as a formula.
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
