-- The current schema, applied in one step to a new database. It must equal
-- testdata/schema_v1.sql plus every migration in migrate.go (tested).
CREATE TABLE activities (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	key TEXT NOT NULL,
	at INTEGER NOT NULL,
	direction TEXT NOT NULL,
	subject TEXT NOT NULL DEFAULT '',
	snippet TEXT NOT NULL DEFAULT '',
	thread_key TEXT NOT NULL DEFAULT '',
	in_reply_to TEXT NOT NULL DEFAULT '',
	refs TEXT NOT NULL DEFAULT '',
	attachments TEXT NOT NULL DEFAULT '[]',
	problems TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	UNIQUE (kind, key)
);
CREATE INDEX activities_at ON activities(at);
CREATE INDEX activities_thread ON activities(thread_key);
CREATE TABLE participants (
	activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL,
	pos INTEGER NOT NULL,
	rdomain TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (activity_id, email, role)
) WITHOUT ROWID;
CREATE INDEX participants_email ON participants(email);
CREATE INDEX participants_rdomain ON participants(rdomain);
CREATE TABLE sightings (
	mailbox TEXT NOT NULL,
	folder TEXT NOT NULL,
	uidvalidity INTEGER NOT NULL,
	uid INTEGER NOT NULL,
	activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
	PRIMARY KEY (mailbox, folder, uidvalidity, uid)
) WITHOUT ROWID;
CREATE INDEX sightings_activity ON sightings(activity_id);
CREATE TABLE folders (
	mailbox TEXT NOT NULL,
	folder TEXT NOT NULL,
	uidvalidity INTEGER NOT NULL,
	last_uid INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (mailbox, folder)
) WITHOUT ROWID;
CREATE TABLE rejected (
	mailbox TEXT NOT NULL,
	folder TEXT NOT NULL,
	uidvalidity INTEGER NOT NULL,
	uid INTEGER NOT NULL,
	reason TEXT NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (mailbox, folder, uidvalidity, uid)
) WITHOUT ROWID;
CREATE TABLE sources (
	source TEXT PRIMARY KEY,
	next_poll_at INTEGER NOT NULL DEFAULT 0,
	error_count INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	last_attempt_at INTEGER NOT NULL DEFAULT 0,
	last_success_at INTEGER NOT NULL DEFAULT 0,
	items INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE accounts (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE account_domains (
	domain TEXT PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE INDEX account_domains_account ON account_domains(account_id);
CREATE TABLE deals (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	owner TEXT NOT NULL,
	stage TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
	amount REAL NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	closed_at INTEGER NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deals_account ON deals(account_id);
CREATE INDEX deals_version ON deals(version);
CREATE TABLE deal_contacts (
	deal_id TEXT NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	PRIMARY KEY (deal_id, email)
) WITHOUT ROWID;
CREATE INDEX deal_contacts_email ON deal_contacts(email);
CREATE TABLE links (
	activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
	deal_id TEXT REFERENCES deals(id),
	state TEXT NOT NULL CHECK (state IN ('auto', 'review', 'none', 'ignored', 'confirmed', 'rejected', 'private')),
	method TEXT NOT NULL DEFAULT '',
	confidence REAL NOT NULL DEFAULT 0,
	reason TEXT NOT NULL DEFAULT '',
	candidates TEXT NOT NULL DEFAULT '[]',
	decided_by TEXT NOT NULL DEFAULT '',
	decided_at INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL,
	CHECK ((deal_id IS NOT NULL) = (state IN ('auto', 'confirmed')))
);
CREATE INDEX links_deal ON links(deal_id) WHERE deal_id IS NOT NULL;
CREATE INDEX links_state ON links(state);
CREATE TABLE match_queue (
	activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX match_queue_at ON match_queue(at);
CREATE TABLE rules (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('deal', 'ignore')),
	address TEXT NOT NULL DEFAULT '',
	domain TEXT NOT NULL DEFAULT '',
	deal_id TEXT REFERENCES deals(id),
	created_by TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	CHECK ((address = '') <> (domain = '')),
	CHECK ((deal_id IS NOT NULL) = (kind = 'deal')),
	UNIQUE (address, domain)
);
CREATE TABLE decisions (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	activity_id INTEGER REFERENCES activities(id) ON DELETE SET NULL,
	before_deal TEXT NOT NULL DEFAULT '',
	before_state TEXT NOT NULL DEFAULT '',
	after_deal TEXT NOT NULL DEFAULT '',
	after_state TEXT NOT NULL DEFAULT '',
	rule_id INTEGER REFERENCES rules(id) ON DELETE SET NULL,
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_activity ON decisions(activity_id);
CREATE INDEX decisions_actor ON decisions(actor);
CREATE INDEX decisions_before_deal ON decisions(before_deal);
CREATE INDEX decisions_after_deal ON decisions(after_deal);
CREATE INDEX decisions_rule ON decisions(rule_id) WHERE rule_id IS NOT NULL;
CREATE TABLE catalog (version INTEGER NOT NULL);
INSERT INTO catalog (version) VALUES (0);
CREATE TABLE meetings (
	activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
	uid TEXT NOT NULL,
	instance INTEGER NOT NULL,
	start INTEGER NOT NULL,
	"end" INTEGER NOT NULL,
	all_day INTEGER NOT NULL,
	cancelled INTEGER NOT NULL,
	location TEXT NOT NULL DEFAULT '',
	sequence INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX meetings_uid ON meetings(uid);
CREATE TABLE calendar_sightings (
	source TEXT NOT NULL,
	activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
	PRIMARY KEY (source, activity_id)
) WITHOUT ROWID;
CREATE INDEX calendar_sightings_activity ON calendar_sightings(activity_id);
CREATE TABLE feeds (
	source TEXT PRIMARY KEY,
	state TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
