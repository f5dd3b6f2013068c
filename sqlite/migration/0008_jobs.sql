-- Import jobs of the server. A row is written when a job changes status
-- (queued, running, finished); its progress lives in the memory of the
-- server that runs it. Its files (the upload, the plan, the reports) are in
-- the server's data folder, not here. Times are Unix milliseconds.

CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,       -- a version 7 UUID: sorts by creation
    command         TEXT NOT NULL CHECK (command IN ('import', 'update', 'check')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    external_id     TEXT,
    client_id       TEXT NOT NULL,
    tenant          TEXT NOT NULL,          -- '' for a client of all tenants that named none
    file_name       TEXT NOT NULL,
    file_format     TEXT NOT NULL,
    file_bytes      INTEGER NOT NULL,
    options         TEXT NOT NULL,          -- JSON, secret values masked
    applies         TEXT,                   -- the dry run this job applies
    idempotency_key TEXT,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    finished_at     INTEGER,
    result          TEXT,                   -- JSON: the command line's result object
    error           TEXT,                   -- JSON: a problem object
    errors_report   TEXT,                   -- the error report's file name, when kept
    success_report  TEXT,                   -- success.csv, when kept
    success_secret  INTEGER NOT NULL DEFAULT 0 CHECK (success_secret IN (0, 1)),
    success_taken   INTEGER NOT NULL DEFAULT 0 CHECK (success_taken IN (0, 1))
);
CREATE INDEX jobs_tenant ON jobs (tenant, id);
CREATE INDEX jobs_key ON jobs (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_unfinished ON jobs (status) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
