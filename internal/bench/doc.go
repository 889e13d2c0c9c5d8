// Package bench measures dealtrail end to end against a real Dovecot and
// holds the correctness properties that come with speed.
//
// BenchmarkFirstSync generates a team mailbox (20,000 messages in INBOX and
// 2,000 in Sent, a tenth with large attachments, a third internal-only, the
// rest spread over 500 customer domains with one deal each), then times the
// dealtrail binary's first "sync -once" against a minimal go-imap client
// that fetches the same folders in the same run and throws the data away.
// Both talk to Dovecot through a counting TCP proxy, which also measures the
// bytes read from the server. Run it with:
//
//	go test ./internal/bench -run '^$' -bench FirstSync -benchtime 1x -timeout 30m
//
// It prints a table of every run; dealtrail runs as a separate process
// (its peak RSS is read from the kernel's accounting). To profile its sync,
// add -cpuprofile cpu.out -args -dealtrail.inprocess: the sync then runs
// inside the test process, and its RSS is not measured.
//
// BenchmarkRematchMillion and BenchmarkAddOneDeal match a stored world of
// a million activities and 10,000 deals; BenchmarkWebLoad serves the web UI
// over that world, plus a deal of 5,000 emails, to 32 browsers while a
// sync writes, and reports each route's percentiles against /healthz (see
// the README for the commands and figures).
//
// TestIdlePollOfTenMailboxesSendsNoFetch runs in the normal suite: a second
// sync of ten mailboxes where nothing changed must send no FETCH at all.
//
// Everything here lives in test files; this file only documents the package.
package bench
