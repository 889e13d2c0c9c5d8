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
//   - a CalDAV account is one PROPFIND (Depth 1) of its calendar home
//     asking each member for the one tag the stored calendars are
//     compared by (the sync token, else the CTag): about 780 bytes on the
//     wire, both ways, for one calendar on Radicale. A calendar whose tag
//     is the stored one is skipped. Which members are event calendars is
//     known from the last full listing of the home (types, components,
//     both tags), made at the first poll of the process, at a poll from
//     an empty state (the worker's daily full read) and at any poll whose
//     answer shows a member that listing did not, so a new calendar is
//     found at the next poll for one more PROPFIND. (A member that was
//     not an event calendar, replaced by one at the same path, waits for
//     the daily full read.) A changed calendar is asked what changed (an
//     RFC 6578 sync-collection REPORT since the stored token, else a
//     calendar-query listing every object's ETag) and only the new and
//     changed objects are fetched (calendar-multiget, falling back to a
//     GET per object). Deleted objects and calendars are dropped from the
//     state; past activities are never deleted because of it.
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
