-- What the API's users need, as in the SQLite directory (its 0007): a
-- version per user, moved on by every write of the user (its memberships
-- included), for ETags, starting from the time of the write in
-- microseconds so that a user deleted and made again with the same uuid
-- has another; names folded by roster.FoldIdentity, for searches by the
-- start of a name; and an index in export order (byte order, as exports
-- sort), so that a page of a list costs the same wherever it starts.
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN firstname_key text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN lastname_key text COLLATE "C" NOT NULL DEFAULT '';

-- The names are folded in Go, right after this file (see backfills).
UPDATE users SET version = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;

CREATE INDEX users_order ON users (tenant_id, lastname COLLATE "C", firstname COLLATE "C", uuid)
    INCLUDE (firstname_key, lastname_key);
