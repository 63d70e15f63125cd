-- no-transaction
-- Reminders before a line closes, and copies of a provisioning email to the acting user.
-- A reminder carries the order's creator in copy (cc) and the closing time it announces;
-- a copy counts against the acting user's own address only, so the recipient index of the
-- limits covers copies and the order index does not.
-- SQLite cannot alter a CHECK: the outbox is rebuilt. Other tables reference it, so the
-- foreign keys are off while it is: they cannot be switched inside a transaction, hence
-- no-transaction and an explicit transaction around the rebuild.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        TEXT REFERENCES orders (id),
    recipient       TEXT NOT NULL,
    -- What caused it; only edit, resend and copy count against the limits.
    cause           TEXT NOT NULL CHECK (cause IN ('rsd', 'edit', 'resend', 'invitation', 'reminder', 'copy')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
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
    CHECK ((cause = 'invitation') = (order_id IS NULL))
);
INSERT INTO outbox_new (id, order_id, recipient, cause, status, attempts, next_attempt_at, lease_until,
                        lease_token, last_error, server_reply, created_at, sent_at, invitation_id, link)
SELECT id, order_id, recipient, cause, status, attempts, next_attempt_at, lease_until,
       lease_token, last_error, server_reply, created_at, sent_at, invitation_id, link
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_lease ON outbox (lease_token);
CREATE INDEX outbox_limited_recipient ON outbox (lower(recipient), created_at) WHERE cause IN ('edit', 'resend', 'copy');
CREATE INDEX outbox_limited_order ON outbox (order_id, created_at) WHERE cause IN ('edit', 'resend');
-- The reminder a line last got, as its offset before the closing time (seconds): a
-- smaller offset is a later reminder, so "not yet sent" is reminder_offset > the due one.
-- reminded_at marks the lines one scheduler run claimed.
ALTER TABLE lines ADD COLUMN reminder_offset INTEGER;
ALTER TABLE lines ADD COLUMN reminded_at TEXT;
COMMIT;
PRAGMA foreign_keys = ON;
