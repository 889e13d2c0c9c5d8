-- Frozen copy of the first released schema (version 1). Never edit: the
-- migration test upgrades a database built from it to the current schema.
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
	PRIMARY KEY (activity_id, email, role)
) WITHOUT ROWID;
CREATE INDEX participants_email ON participants(email);
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
