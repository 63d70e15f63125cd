-- no-transaction
-- Strong sign-in (docs/product.md rule 15): one-time codes, recovery codes, the last strong
-- check of a session, and the security_change transaction with its email.
--
-- * totp_factors: one per user. `secret` is the RFC 6238 key sealed with AES-256-GCM under
--   a key derived from the signing key (docs/security.md says what that protects); a row
--   whose confirmed_at is NULL is an enrolment waiting for its first code. last_step is the
--   30-second step of the last code used, so a code is never taken twice.
-- * recovery_codes: ten per user, each the SHA-256 of an 80-bit random code; used once.
-- * sessions.checked_at: when this session's user last proved the second factor (or the
--   password, without one); the fresh check before admin changes reads it.
-- * transactions of kind security_change (a factor changed, a session ended by its user)
--   have no line, like permission changes; their email to the user's own address is an
--   outbox message of cause `security`, which has no order either.
--
-- SQLite cannot alter a CHECK: the outbox and the transactions are rebuilt as in 0017, with
-- every id kept, foreign keys off while they are.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE totp_factors (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    confirmed_at TEXT,
    last_step    INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
);
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);
ALTER TABLE sessions ADD COLUMN checked_at TEXT;

CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        TEXT REFERENCES orders (id),
    recipient       TEXT NOT NULL,
    -- What caused it; only edit, resend and copy count against the limits.
    cause           TEXT NOT NULL CHECK (cause IN ('rsd', 'edit', 'resend', 'invitation', 'reminder', 'copy',
                                                   'bounce_alert', 'security')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'bounced', 'delayed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    lease_token     TEXT,
    last_error      TEXT,
    server_reply    TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    invitation_id   INTEGER REFERENCES invitations (id),
    link            TEXT,
    cc              TEXT,
    closes_at       TEXT,
    about_outbox_id INTEGER REFERENCES outbox (id),
    CHECK ((cause IN ('invitation', 'security')) = (order_id IS NULL))
);
INSERT INTO outbox_new (id, order_id, recipient, cause, status, attempts, next_attempt_at, lease_until,
                        lease_token, last_error, server_reply, created_at, sent_at, invitation_id, link, cc,
                        closes_at, about_outbox_id)
SELECT id, order_id, recipient, cause, status, attempts, next_attempt_at, lease_until,
       lease_token, last_error, server_reply, created_at, sent_at, invitation_id, link, cc, closes_at,
       about_outbox_id
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_lease ON outbox (lease_token);
CREATE INDEX outbox_limited_recipient ON outbox (lower(recipient), created_at) WHERE cause IN ('edit', 'resend', 'copy');
CREATE INDEX outbox_limited_order ON outbox (order_id, created_at) WHERE cause IN ('edit', 'resend');
CREATE INDEX outbox_bounce_alerts ON outbox (order_id, created_at) WHERE cause = 'bounce_alert';

CREATE TABLE transactions_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('provisioning_email_update', 'provisioning_email_resend',
                                                  'provisioning_email_reminder', 'permission_change',
                                                  'security_change')),
    subscription_id TEXT REFERENCES lines (subscription_id),
    order_id        TEXT REFERENCES orders (id),
    old_value       TEXT,
    new_value       TEXT,
    actor_user_id   INTEGER REFERENCES users (id),
    actor           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('in_progress', 'success', 'failed', 'bounced', 'delayed')),
    detail          TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    outbox_id       INTEGER REFERENCES outbox (id),
    company_id      TEXT REFERENCES companies (id),
    subject         TEXT,
    bulk_batch_id   INTEGER REFERENCES bulk_batches (id),
    partner_id      TEXT,
    distributor_id  TEXT,
    CHECK ((kind IN ('permission_change', 'security_change')) = (subscription_id IS NULL))
);
INSERT INTO transactions_new (id, kind, subscription_id, order_id, old_value, new_value, actor_user_id, actor,
                              status, detail, created_at, updated_at, outbox_id, company_id, subject,
                              bulk_batch_id, partner_id, distributor_id)
SELECT id, kind, subscription_id, order_id, old_value, new_value, actor_user_id, actor,
       status, detail, created_at, updated_at, outbox_id, company_id, subject,
       bulk_batch_id, partner_id, distributor_id
FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_new RENAME TO transactions;
CREATE INDEX transactions_outbox ON transactions (outbox_id);
CREATE INDEX transactions_kind ON transactions (kind, id);
CREATE INDEX transactions_status ON transactions (status, id);
CREATE INDEX transactions_subscription_ci ON transactions (lower(subscription_id), id);
CREATE INDEX transactions_order_ci ON transactions (lower(order_id), id);
CREATE INDEX transactions_company ON transactions (company_id, id);
CREATE INDEX transactions_partner ON transactions (partner_id, id);
CREATE INDEX transactions_distributor ON transactions (distributor_id, id);
CREATE INDEX transactions_bulk_batch ON transactions (bulk_batch_id) WHERE bulk_batch_id IS NOT NULL;
-- A user's own security changes (the Transaction Manager shows them to that user).
CREATE INDEX transactions_security_user ON transactions (actor_user_id, id) WHERE kind = 'security_change';
COMMIT;
PRAGMA foreign_keys = ON;
