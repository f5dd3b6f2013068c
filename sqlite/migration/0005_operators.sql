-- The people who sign in to the web console, and their sessions. Passwords
-- are stored only as argon2id hashes, sessions only as the SHA-256 of their
-- secret. Times are Unix seconds.

CREATE TABLE operators (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL UNIQUE,   -- roster.FoldIdentity(name)
    tenant        TEXT,                   -- NULL: all tenants
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER
);

CREATE TABLE sessions (
    hash        BLOB PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    tenant      TEXT,                     -- the tenant shown; NULL: all
    created_at  INTEGER NOT NULL,
    seen_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_seen ON sessions (seen_at);
CREATE INDEX sessions_operator ON sessions (operator_id);
