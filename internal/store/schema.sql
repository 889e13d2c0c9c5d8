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
	items INTEGER NOT NULL DEFAULT 0,
	first_success_at INTEGER NOT NULL DEFAULT 0
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
	at INTEGER NOT NULL DEFAULT 0,
	met INTEGER NOT NULL DEFAULT 0,
	kind TEXT NOT NULL DEFAULT '',
	direction TEXT NOT NULL DEFAULT '',
	CHECK ((deal_id IS NOT NULL) = (state IN ('auto', 'confirmed')))
);
CREATE INDEX links_deal_at ON links(deal_id, at, kind, direction, met) WHERE deal_id IS NOT NULL;
CREATE INDEX links_deal_met ON links(deal_id, at) WHERE deal_id IS NOT NULL AND met = 1;
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
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL CHECK (role IN ('rep', 'leader', 'admin')),
	password_hash TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
	hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE api_tokens (
	hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE TABLE deal_stats (
	deal_id TEXT PRIMARY KEY REFERENCES deals(id) ON DELETE CASCADE,
	emails INTEGER NOT NULL,
	meetings INTEGER NOT NULL,
	notes INTEGER NOT NULL,
	calls INTEGER NOT NULL,
	inbound INTEGER NOT NULL,
	outbound INTEGER NOT NULL,
	last_inbound INTEGER NOT NULL,
	last_outbound INTEGER NOT NULL,
	last_at INTEGER NOT NULL,
	last_met INTEGER NOT NULL,
	version INTEGER NOT NULL,
	packed TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE review_items (
	activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
	at INTEGER NOT NULL
);
CREATE INDEX review_items_at ON review_items(at);
CREATE TABLE review_deals (
	activity_id INTEGER NOT NULL,
	deal_id TEXT NOT NULL,
	PRIMARY KEY (activity_id, deal_id)
) WITHOUT ROWID;
CREATE INDEX review_deals_deal ON review_deals(deal_id);
CREATE TABLE review_sources (
	activity_id INTEGER NOT NULL,
	source TEXT NOT NULL,
	PRIMARY KEY (activity_id, source)
) WITHOUT ROWID;
CREATE INDEX review_sources_source ON review_sources(source);
CREATE TABLE outages (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	from_at INTEGER NOT NULL,
	to_at INTEGER NOT NULL DEFAULT 0,
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outages_open ON outages(source) WHERE to_at = 0;
CREATE INDEX outages_from ON outages(from_at);
