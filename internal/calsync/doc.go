// Package calsync fetches calendars: the raw iCalendar data of an ICS feed
// over HTTP(S) (HTTPFeed), of an exported file (FileFeed) and of the
// calendars of a CalDAV account (CalDAV). It only fetches bytes; parsing
// them is package calparse's job, storing them the store's.
//
// Every source is a Fetcher: Fetch takes the model.FeedState stored after
// the previous poll and returns what changed, with the state to store in
// the same transaction. An unchanged source costs almost nothing:
//
//   - an ICS feed is a conditional GET (If-None-Match, If-Modified-Since);
//     a 304, or a 200 whose body has the hash of the last one (servers
//     without validators, or that ignore them), is Unchanged;
//   - a file is read and hashed;
//   - a CalDAV account is one PROPFIND (Depth 1) of its calendar home,
//     which gives each calendar's sync token and CTag: a calendar whose
//     token is the stored one is skipped. A changed one is asked what
//     changed (an RFC 6578 sync-collection REPORT since the stored token,
//     else a calendar-query listing every object's ETag) and only the new
//     and changed objects are fetched (calendar-multiget, falling back to
//     a GET per object). Deleted objects are dropped from the state; past
//     activities are never deleted because of it.
//
// One object, or one calendar, the server fails on is named in
// Fetched.Problems and the state does not move past it, so the next poll
// tries it again; the others come through. Failing to reach the server or to log in
// is Fetch's error.
//
// Network rules, for the feed and CalDAV alike: every request carries the
// caller's context and a timeout; bodies are capped (20 MB by default);
// destinations that are not public (loopback, private, link-local,
// unique-local, unspecified, multicast) are refused unless
// AllowPrivateNetworks is set, checked on the address actually dialed, so
// a redirect or a DNS answer cannot lead inside; no proxy is taken from
// the environment. Errors and Object paths carry URLs redacted by
// RedactURL, and never a password.
package calsync
