// Expands every event of an iCalendar file with Mozilla's ical.js and
// prints the occurrences that start in a window, one JSON object a line:
//   {"uid": ..., "instance": <original start, UTC>, "start": <start, UTC>}
// followed by a last line {"done": true, "ms": <parse and expand time>,
// "rss_kb": <peak resident set size, VmHWM, on Linux>}.
//
// Usage: node expand.mjs FILE WINDOW_START WINDOW_END   (RFC 3339 UTC)
//
// Each master event is expanded with ICAL.Event's iterator and its
// exceptions (RECURRENCE-ID overrides of the same UID) related
// explicitly; exceptions without a master stand alone. Expansion runs
// until an instance starts after both the window end and the latest
// exception's RECURRENCE-ID, so overrides that move an instance into the
// window from after it are seen. Used by internal/calparse's
// BenchmarkCompareICalJS; install with `npm ci` in this folder.
import fs from 'node:fs';
import ICAL from 'ical.js';

const [file, startText, endText] = process.argv.slice(2);
if (!file || !startText || !endText) {
  console.error('usage: node expand.mjs FILE WINDOW_START WINDOW_END');
  process.exit(2);
}
const winStart = Date.parse(startText) / 1000;
const winEnd = Date.parse(endText) / 1000;
const maxSteps = 100000; // per event, so that no rule runs forever

const t0 = performance.now();
const text = fs.readFileSync(file, 'utf8');
const root = new ICAL.Component(ICAL.parse(text));
const calendars = root.name === 'vcalendar' ? [root] : root.getAllSubcomponents('vcalendar');

const out = [];
const iso = (seconds) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
const emit = (uid, instance, start) => {
  if (start >= winStart && start < winEnd) {
    out.push(JSON.stringify({ uid, instance: iso(instance), start: iso(start) }));
  }
};

for (const cal of calendars) {
  const masters = new Map();
  const exceptions = new Map();
  for (const vevent of cal.getAllSubcomponents('vevent')) {
    const uid = vevent.getFirstPropertyValue('uid');
    if (vevent.hasProperty('recurrence-id')) {
      if (!exceptions.has(uid)) exceptions.set(uid, []);
      exceptions.get(uid).push(vevent);
    } else {
      masters.set(uid, vevent);
    }
  }
  for (const [uid, vevent] of masters) {
    const related = exceptions.get(uid) || [];
    const event = new ICAL.Event(vevent, { exceptions: related, strictExceptions: true });
    let last = winEnd;
    for (const ex of related) {
      last = Math.max(last, ex.getFirstPropertyValue('recurrence-id').toUnixTime());
    }
    const it = event.iterator();
    for (let next, steps = 0; (next = it.next()) && steps < maxSteps; steps++) {
      const instance = next.toUnixTime();
      if (instance > last) break;
      const details = event.getOccurrenceDetails(next);
      emit(uid, instance, details.startDate.toUnixTime());
    }
    exceptions.delete(uid);
  }
  for (const [uid, orphans] of exceptions) {
    for (const vevent of orphans) {
      const event = new ICAL.Event(vevent, { exceptions: [] });
      emit(uid, event.recurrenceId.toUnixTime(), event.startDate.toUnixTime());
    }
  }
}
const ms = performance.now() - t0;
// The peak RSS of this process: ru_maxrss would include the parent's.
let rss_kb = 0;
try {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (m) rss_kb = Number(m[1]);
} catch {
  // not Linux
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
process.stdout.write(JSON.stringify({ done: true, ms, rss_kb }) + '\n');
