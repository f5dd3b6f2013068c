-- A cancellation asked of one server for a job that another runs: the
-- server that runs it reads the request and stops the job.
ALTER TABLE jobs ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
