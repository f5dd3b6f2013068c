-- Clients of the API, their access tokens, and the JWT assertions they have
-- used. Secrets and tokens are stored only as SHA-256 hashes. Times are Unix
-- seconds.

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    tenant      TEXT,                   -- NULL: all tenants
    scopes      TEXT NOT NULL,          -- space-separated
    secret_hash BLOB,                   -- NULL for a client with a key
    public_key  TEXT,                   -- PEM; NULL for a client with a secret
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    CHECK ((secret_hash IS NULL) <> (public_key IS NULL))
);

CREATE TABLE access_tokens (
    hash       BLOB PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    tenant     TEXT,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);
CREATE INDEX access_tokens_client ON access_tokens (client_id);

-- A jti is kept until its assertion expires, so that a captured assertion
-- cannot be replayed.
CREATE TABLE assertions (
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    jti        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
) WITHOUT ROWID;
CREATE INDEX assertions_expiry ON assertions (expires_at);
