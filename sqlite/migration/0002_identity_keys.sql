-- Usernames and emails are unique once folded as roster.FoldIdentity folds
-- them (NFKC and full Unicode case folding), which SQLite's lower() cannot
-- do: it folds ASCII only, so "ΣΟΦΙΑ" and "σοφια" could be two users. roster
-- writes the folded forms into key columns, unique ones, and finds users by
-- username or email through them.
ALTER TABLE users ADD COLUMN username_key TEXT;
ALTER TABLE users ADD COLUMN email_key TEXT;
DROP INDEX users_username;
DROP INDEX users_email;

-- lower() folds an ASCII value as roster does, and the old indexes kept
-- these unique. The values that are not ASCII are folded again in Go, right
-- after this file, through the indexes (see sqlite/identity.go).
UPDATE users SET username_key = lower(username), email_key = lower(email);

-- Not partial: NULLs (no username, no email) never collide in a unique
-- index, so a condition would buy nothing.
CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE UNIQUE INDEX users_email_key ON users (email_key);
