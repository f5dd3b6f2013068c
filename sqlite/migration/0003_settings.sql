-- The directory's settings, one value per name.
--
-- "key" is there once the directory holds sealed secrets (SIP secrets,
-- PINs): its value is the check value of the key file that sealed them
-- (see sqlite/secret.go), so that a directory whose key file is missing, or
-- is another directory's, is refused instead of given a new key. A
-- directory that sealed secrets before this table existed gets an empty
-- value, which the first run that seals a secret fills in once the key
-- file opens the secrets already there.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO settings (name, value)
SELECT 'key', ''
WHERE EXISTS (SELECT 1 FROM lines WHERE sip_secret <> '')
   OR EXISTS (SELECT 1 FROM voicemails WHERE password <> '')
   OR EXISTS (SELECT 1 FROM users WHERE call_permission_password <> '');
