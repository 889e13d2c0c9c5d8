// Package radicale starts a real Radicale CalDAV server (Debian package
// radicale, version 3) on 127.0.0.1 for tests, with its own configuration,
// users and storage in a temporary directory.
//
// A test calls Start, adds users with AddUser, makes calendars with
// CreateCalendar and puts events in with PutEvent, then talks CalDAV to URL.
// The server is stopped (by its PID) and its directory removed when the test
// ends; Stop ends it earlier.
//
// When Radicale is not installed, Start skips the test (or fails it when
// DEALTRAIL_NO_SKIP is set, see package testenv).
//
// What a client sees of this Radicale:
//
//   - HTTP/1.0 answers: every request gets a connection of its own.
//   - Basic authentication against a plain htpasswd file that is read at
//     every login, so users added after Start work at once; a wrong
//     password is answered at once (auth delay 0) with 401.
//   - Rights "owner_only": a user sees only the collections under /USER/.
//     The principal of alice is /alice/, which is also her calendar home.
//   - Collections carry both CS:getctag and DAV:sync-token and answer the
//     sync-collection REPORT (RFC 6578); an unknown token gets 403 with
//     DAV:valid-sync-token.
//   - Responses are gzip-compressed when the client accepts gzip.
//   - Calendar data is re-serialised by Radicale (LF line endings,
//     properties reordered); a PUT of invalid iCalendar gets 400. An invalid
//     file placed in Storage makes every request on its collection fail
//     with 500.
package radicale
