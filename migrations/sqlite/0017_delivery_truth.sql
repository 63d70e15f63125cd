-- no-transaction
-- Delivery truth (docs/product.md rule 14): bounces and delay reports about a message that
-- the mail server had accepted.
--
-- * A message's status may move on from sent: to bounced (final) or delayed (which may
--   still end sent or bounced). last_error then holds the reason as reported (its status
--   code first); its transactions follow with the same two statuses.
-- * bounce_alert: the alert email to the order's creator and the person who triggered the
--   message, about the lines of the message (outbox_lines) that bounced; about_outbox_id is
--   the bounced message. An alert is about an order, never counted against the limits.
-- * bounces: every report read, once (its fingerprint is unique), so that the same report
--   twice counts once.
--
-- SQLite cannot alter a CHECK: the outbox and the transactions are rebuilt, with every id
-- kept, foreign keys off while they are (the pragma has no effect inside a transaction,
-- hence no-transaction and an explicit transaction around the rebuild).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        TEXT REFERENCES orders (id),
    recipient       TEXT NOT NULL,
    -- What caused it; only edit, resend and copy count against the limits.
    cause           TEXT NOT NULL CHECK (cause IN ('rsd', 'edit', 'resend', 'invitation', 'reminder', 'copy',
                                                   'bounce_alert')),
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
    CHECK ((cause = 'invitation') = (order_id IS NULL))
);
INSERT INTO outbox_new (id, order_id, recipient, cause, status, attempts, next_attempt_at, lease_until,
                        lease_token, last_error, server_reply, created_at, sent_at, invitation_id, link, cc,
                        closes_at)
SELECT id, order_id, recipient, cause, status, attempts, next_attempt_at, lease_until,
       lease_token, last_error, server_reply, created_at, sent_at, invitation_id, link, cc, closes_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_lease ON outbox (lease_token);
CREATE INDEX outbox_limited_recipient ON outbox (lower(recipient), created_at) WHERE cause IN ('edit', 'resend', 'copy');
CREATE INDEX outbox_limited_order ON outbox (order_id, created_at) WHERE cause IN ('edit', 'resend');
-- The alerts of an order in the last day (at most one per line and person per day).
CREATE INDEX outbox_bounce_alerts ON outbox (order_id, created_at) WHERE cause = 'bounce_alert';

CREATE TABLE transactions_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('provisioning_email_update', 'provisioning_email_resend',
                                                  'provisioning_email_reminder', 'permission_change')),
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
    CHECK ((kind = 'permission_change') = (subscription_id IS NULL))
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

CREATE TABLE bounces (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL UNIQUE,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('bounced', 'delayed', 'delivered')),
    recipient   TEXT,
    status_code TEXT,
    diagnostic  TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX bounces_outbox ON bounces (outbox_id);
COMMIT;
PRAGMA foreign_keys = ON;
