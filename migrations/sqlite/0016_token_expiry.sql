-- API tokens expire, show a prefix, and are created once per form (CONTRACT.md
-- `/company/tokens` and API v1):
--
-- * expires_at: 30, 90 or 365 days after creation, chosen on the form. Tokens made before
--   this migration get 90 days from their creation (the form's default). SQLite keeps
--   sqlx's DateTime<Utc> as RFC 3339 text with a +00:00 offset, so the value is written in
--   that form and compares as text with the bound times of the queries.
-- * prefix: the secret's first 8 characters, shown so that a token can be recognised.
--   Unknown for older tokens (their secret was never kept): empty, shown as a dash.
-- * form_key: the one-time key of the form that created the token; sending the same form
--   again finds it and creates nothing. NULL for older tokens (and tokens made by a form
--   without one); unique per company otherwise.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', created_at, '+90 days');
ALTER TABLE api_tokens ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN form_key TEXT;

CREATE UNIQUE INDEX api_tokens_form_key ON api_tokens (company_id, form_key);
-- A company's live tokens (counted against the limit of 25 inside the creating transaction).
CREATE INDEX api_tokens_active ON api_tokens (company_id, expires_at) WHERE revoked_at IS NULL;
-- The live tokens a user created: revoked with their deactivation, counted on the users page.
CREATE INDEX api_tokens_creator ON api_tokens (created_by, expires_at) WHERE revoked_at IS NULL;
