-- Import jobs of the servers, as in the SQLite directory (its 0008), with
-- timestamps for its Unix milliseconds. A row is written when a job
-- changes status; its progress lives in the memory of the server that runs
-- it.
CREATE TABLE jobs (
    id              text COLLATE "C" PRIMARY KEY, -- a version 7 UUID: sorts by creation
    command         text NOT NULL CHECK (command IN ('import', 'update', 'check')),
    status          text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    external_id     text,
    client_id       text COLLATE "C" NOT NULL,
    tenant          text NOT NULL,                -- '' for a client of all tenants that named none
    file_name       text NOT NULL,
    file_format     text NOT NULL,
    file_bytes      bigint NOT NULL,
    options         text NOT NULL,                -- JSON, secret values masked
    applies         text,                         -- the dry run this job applies
    idempotency_key text,
    created_at      timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz,
    result          text,                         -- JSON: the command line's result object
    error           text,                         -- JSON: a problem object
    errors_report   text,
    success_report  text,
    success_secret  boolean NOT NULL DEFAULT false,
    success_taken   boolean NOT NULL DEFAULT false
);
CREATE INDEX jobs_tenant ON jobs (tenant, id);
CREATE INDEX jobs_key ON jobs (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_unfinished ON jobs (status) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
