package mailsync

import (
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"
)

// throttleWait is the least wait after a server said it is throttling us
// or is over a limit (Gmail's bandwidth limits last minutes to hours).
const throttleWait = 15 * time.Minute

// serverError is a NO or BAD answer of the server. Its text comes from the
// server and never holds our credentials.
type serverError struct{ err *imap.Error }

func (e *serverError) Error() string {
	s := string(e.err.Type)
	if e.err.Code != "" {
		s += " [" + string(e.err.Code) + "]"
	}
	if e.err.Text != "" {
		s += " " + e.err.Text
	}
	return "server answered " + s
}

func (e *serverError) Unwrap() error { return e.err }

// RetryAfter asks the schedule for a long wait when the server throttles.
func (e *serverError) RetryAfter() time.Duration {
	if throttled(e.err) {
		return throttleWait
	}
	return 0
}

// throttled reports whether a server answer means "not now": retrying the
// same command soon cannot help.
func throttled(err *imap.Error) bool {
	switch err.Code {
	case "THROTTLED", imap.ResponseCodeLimit, imap.ResponseCodeUnavailable, imap.ResponseCodeInUse:
		return true
	}
	return false
}

// transient reports whether err is a server answer that means "not now".
func transient(err error) bool {
	var ierr *imap.Error
	return errors.As(err, &ierr) && throttled(ierr)
}

// asServerError wraps an *imap.Error in err as a serverError, so that it
// reads well and carries its retry hint.
func asServerError(err error) error {
	var se *serverError
	if errors.As(err, &se) {
		return err
	}
	var ierr *imap.Error
	if errors.As(err, &ierr) {
		return &serverError{ierr}
	}
	return err
}
