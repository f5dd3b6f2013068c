-- What the API's users need. A version per user, changed by every write of
-- the user (its memberships included), for ETags: it starts from the time
-- of the write in microseconds rather than from 1, so that a user deleted
-- and made again with the same uuid does not match the old one's ETag.
-- Folded names (roster.FoldIdentity, as username_key and email_key), so
-- that a search by the start of a name finds "Émile" from "émile". And an
-- index in export order, so that a page of a list costs the same wherever
-- it starts (with the uuid, which orders the users who have the same
-- names, or none: a CommPeak file's have none); it holds the folded names
-- too, so that a search by name reads the index alone, never the table (an
-- index of its own for each name would cost a first import of a million
-- users twice as much again).
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN firstname_key TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN lastname_key TEXT NOT NULL DEFAULT '';

-- lower() folds ASCII names as roster does; the others are folded again in
-- Go, right after this file (see sqlite/identity.go).
UPDATE users SET version = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER),
    firstname_key = lower(firstname), lastname_key = lower(lastname);

CREATE INDEX users_order ON users (tenant_id, lastname, firstname, uuid, firstname_key, lastname_key);
