-- Access tokens and console sessions are signed (roster.Keys) instead of
-- stored, so that issuing a token, signing in and browsing write nothing
-- and never wait for an import that holds the write lock. The signing key
-- is a row of settings ("signing_key", sealed with the directory's key).
-- Tokens and sessions of the earlier tables end here: clients ask for new
-- tokens, operators sign in again.
DROP TABLE access_tokens;
DROP TABLE sessions;

-- The sessions signed out, kept until they would have ended anyway: a
-- copy of a signed-out cookie is refused on every server.
CREATE TABLE ended_sessions (
    id         TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ended_sessions_expiry ON ended_sessions (expires_at);
