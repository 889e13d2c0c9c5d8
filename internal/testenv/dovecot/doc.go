// Package dovecot starts a real Dovecot IMAP server (Debian package
// dovecot-imapd, version 2.3) on 127.0.0.1 for tests, with its own
// configuration, certificates, users and mailboxes in a temporary directory.
//
// A test calls Start, adds users with AddUser, puts mail in with Append (one
// message) or Fill (tens of thousands a second), and talks IMAP to Addr
// (cleartext, STARTTLS offered) or TLSAddr (implicit TLS) trusting RootCAs.
// Every user has INBOX, Sent, Drafts, Trash and Archive, the last four
// marked with their SPECIAL-USE attribute; CreateFolder makes more. Doveadm
// runs any other administration command. The server is stopped and its
// directory removed when the test ends; Stop ends it earlier.
//
// When Dovecot is not installed, Start skips the test (or fails it when
// DEALTRAIL_NO_SKIP is set, see package testenv). As root, Dovecot runs its
// mail processes as the unprivileged user dovecot; otherwise everything runs
// as the current user. Mail is stored in mdbox format, so opening a folder
// of 20,000 messages takes milliseconds.
//
// What a client sees of this Dovecot:
//
//   - User names are case-insensitive; the hierarchy separator is "/".
//   - A connection from 127.0.0.1 to 127.0.0.1 counts as secured: cleartext
//     LOGIN works without TLS and LOGINDISABLED is never advertised.
//   - A failed login is answered within half a second (the auth process
//     flushes failures on a 500 ms tick) and does not slow later logins.
//   - The capabilities before login are few (no SPECIAL-USE, CONDSTORE...);
//     the full list comes with the tagged OK of LOGIN or AUTHENTICATE.
//   - Mail added by Append or Fill reaches a session that has the folder
//     selected at its next command (NOOP, IDLE...). Until then, STATUS of
//     the selected folder reports the session's old view.
//   - After SetUIDValidity, a session that has the folder selected gets
//     "* BYE IMAP session state is inconsistent, please relogin." at its
//     next command and is disconnected.
//   - Creating "A/B" makes "A" appear as \Noselect unless it was created.
package dovecot
