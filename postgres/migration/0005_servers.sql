-- Several servers on one directory. A job that is queued or running names
-- the server that runs it by the key of that server's liveness lock (a
-- session-level advisory lock it holds while it lives, see
-- postgres/servers.go): when PostgreSQL no longer holds the lock, the
-- server is gone, and another marks its jobs interrupted. The progress of
-- a running job is kept here too, so that every server can show it.
ALTER TABLE jobs ADD COLUMN server bigint;
ALTER TABLE jobs ADD COLUMN progress text; -- JSON, while the job is queued or running
