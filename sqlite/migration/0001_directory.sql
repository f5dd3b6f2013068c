-- The directory: reference data, users and what hangs off them.
-- The schema holds the rules that must never break, whatever the code does:
-- unique usernames and emails (case-insensitive), one number per context,
-- a line's protocol fixed once created, and foreign keys everywhere.

CREATE TABLE tenants (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    default_role TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX tenants_name ON tenants (lower(name));

CREATE TABLE contexts (
    id        INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('internal', 'incall')),
    ranges    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX contexts_name ON contexts (tenant_id, lower(name));

-- Named reference objects: roles, CTI profiles, call permissions, skill
-- groups and desks.
CREATE TABLE objects (
    id        INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('role', 'cti_profile', 'call_permission', 'skill_group', 'desk')),
    name      TEXT NOT NULL
);
CREATE UNIQUE INDEX objects_name ON objects (tenant_id, kind, lower(name));

CREATE TABLE users (
    id                       INTEGER PRIMARY KEY,
    uuid                     TEXT NOT NULL,
    tenant_id                INTEGER NOT NULL REFERENCES tenants (id),
    firstname                TEXT NOT NULL DEFAULT '',
    lastname                 TEXT NOT NULL DEFAULT '',
    display_name             TEXT NOT NULL DEFAULT '',
    username                 TEXT,
    email                    TEXT,
    password_hash            TEXT,
    language                 TEXT NOT NULL DEFAULT '',
    mobile_phone_number      TEXT NOT NULL DEFAULT '',
    outgoing_caller_id       TEXT NOT NULL DEFAULT '',
    enabled                  INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    supervision_enabled      INTEGER NOT NULL DEFAULT 1 CHECK (supervision_enabled IN (0, 1)),
    call_transfer_enabled    INTEGER NOT NULL DEFAULT 0 CHECK (call_transfer_enabled IN (0, 1)),
    dtmf_hangup_enabled      INTEGER NOT NULL DEFAULT 0 CHECK (dtmf_hangup_enabled IN (0, 1)),
    simultaneous_calls       INTEGER NOT NULL DEFAULT 5 CHECK (simultaneous_calls BETWEEN 1 AND 20),
    ring_seconds             INTEGER NOT NULL DEFAULT 30 CHECK (ring_seconds BETWEEN 0 AND 10800),
    call_permission_password TEXT NOT NULL DEFAULT '',
    role_id                  INTEGER REFERENCES objects (id),
    auth_type                TEXT NOT NULL DEFAULT 'default' CHECK (auth_type IN ('default', 'disabled', 'email', 'totp')),
    desk_id                  INTEGER REFERENCES objects (id),
    cti_profile_enabled      INTEGER CHECK (cti_profile_enabled IN (0, 1)),
    cti_profile_id           INTEGER REFERENCES objects (id),
    avatar_type              TEXT,
    avatar                   BLOB
);
CREATE UNIQUE INDEX users_uuid ON users (uuid);
CREATE UNIQUE INDEX users_username ON users (lower(username)) WHERE username IS NOT NULL;
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE lines (
    user_id           INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    protocol          TEXT NOT NULL CHECK (protocol IN ('sip', 'sccp', 'webrtc', 'custom')),
    context_id        INTEGER NOT NULL REFERENCES contexts (id),
    exten             TEXT,
    sip_username      TEXT,
    sip_secret        TEXT NOT NULL DEFAULT '',
    custom_interface  TEXT NOT NULL DEFAULT '',
    provisioning_code TEXT NOT NULL
);
CREATE UNIQUE INDEX lines_exten ON lines (context_id, exten);
CREATE UNIQUE INDEX lines_sip_username ON lines (sip_username);
CREATE UNIQUE INDEX lines_provisioning_code ON lines (provisioning_code);
CREATE TRIGGER lines_protocol_fixed BEFORE UPDATE OF protocol ON lines
WHEN NEW.protocol <> OLD.protocol
BEGIN
    SELECT RAISE(ABORT, 'a line''s protocol cannot change');
END;

CREATE TABLE incalls (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    context_id   INTEGER NOT NULL REFERENCES contexts (id),
    exten        TEXT NOT NULL,
    ring_seconds INTEGER CHECK (ring_seconds BETWEEN 0 AND 10800)
);
CREATE UNIQUE INDEX incalls_exten ON incalls (context_id, exten);
CREATE INDEX incalls_user ON incalls (user_id);

CREATE TABLE voicemails (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    context_id      INTEGER NOT NULL REFERENCES contexts (id),
    number          TEXT NOT NULL,
    name            TEXT NOT NULL,
    password        TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    attach_audio    INTEGER NOT NULL DEFAULT 0 CHECK (attach_audio IN (0, 1)),
    delete_messages INTEGER NOT NULL DEFAULT 0 CHECK (delete_messages IN (0, 1)),
    ask_password    INTEGER NOT NULL DEFAULT 1 CHECK (ask_password IN (0, 1))
);
CREATE UNIQUE INDEX voicemails_number ON voicemails (context_id, number);

-- Groups and rooms: sets of users that imports create when missing.
CREATE TABLE sets (
    id        INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('group', 'room')),
    name      TEXT NOT NULL
);
CREATE UNIQUE INDEX sets_name ON sets (tenant_id, kind, lower(name));

CREATE TABLE members (
    set_id  INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (set_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user ON members (user_id);

-- A user's skill groups and call permissions.
CREATE TABLE user_objects (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    object_id INTEGER NOT NULL REFERENCES objects (id),
    PRIMARY KEY (user_id, object_id)
) WITHOUT ROWID;

CREATE TABLE tags (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (user_id, tag)
) WITHOUT ROWID;
