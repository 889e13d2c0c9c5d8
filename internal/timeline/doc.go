// Package timeline builds the story of one deal from its linked
// activities: every email, meeting, note and call in order, grouped by
// month; the silences in the conversation; a weekly activity count and its
// SVG chart; the customer's people with when they were first and last
// seen; the periods when the team's own sources were failing or not yet
// synced, so that "they went silent" is never confused with "we stopped
// syncing"; and how long the customer has been silent (Staleness).
//
// It is pure and deterministic: no I/O, no clock (the caller passes Now),
// the same input gives the same output whatever its order.
//
// # What counts as what
//
// An activity is one of:
//
//   - a customer word: an inbound email, a held meeting or a logged call;
//   - a team touch: an outbound email;
//   - neither: an internal email, a note (the team's own words), a
//     cancelled meeting, a meeting every outside attendee declined, a
//     meeting after Now.
//
// A meeting is held when it is not cancelled, started at or before Now,
// and at least one outside attendee (anyone the team does not own,
// organizer included) did not decline. A logged call is a conversation, so
// it counts as customer contact whoever was named on it. Only activities
// at or before Now count as words or touches.
//
// Customer words and team touches make the conversation: gaps are the
// silences between them (notes, internal mail and meetings that did not
// happen do not break a silence), and the silence from the last of them to
// Now.
package timeline
