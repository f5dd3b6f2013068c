-- The server's tables: the API's clients and the JWT assertions they have
-- used, the console's operators and the sessions that were signed out.
-- The same as the SQLite directory's (sqlite/migration/0004 to 0006), with
-- timestamps for its Unix seconds and a sequence to list rows in the order
-- they were made. Access tokens and sessions are signed, not stored; the
-- key that signs them is a row of settings ("signing_key", sealed).
--
-- Used assertions and ended sessions are written at once, outside the
-- directory's write lock: no import makes them wait, so these tables are
-- what every server checks.

CREATE TABLE clients (
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id          text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    tenant      text,                   -- NULL: all tenants
    scopes      text NOT NULL,          -- space-separated
    secret_hash bytea,                  -- SHA-256; NULL for a client with a key
    public_key  text,                   -- PEM; NULL for a client with a secret
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CHECK ((secret_hash IS NULL) <> (public_key IS NULL))
);

-- A jti is kept until its assertion expires, so that a captured assertion
-- cannot be replayed.
CREATE TABLE assertions (
    client_id  text COLLATE "C" NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    jti        text COLLATE "C" NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX assertions_expiry ON assertions (expires_at);

CREATE TABLE operators (
    seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id            text COLLATE "C" PRIMARY KEY,
    name          text NOT NULL,
    name_key      text COLLATE "C" NOT NULL UNIQUE, -- roster.FoldIdentity(name)
    tenant        text,                             -- NULL: all tenants
    role          text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz
);

-- The sessions signed out, kept until they would have ended anyway: a copy
-- of a signed-out cookie is refused on every server.
CREATE TABLE ended_sessions (
    id         text COLLATE "C" PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX ended_sessions_expiry ON ended_sessions (expires_at);
