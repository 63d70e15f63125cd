-- Provisioning emails: every message to send is a row, written in the same transaction
-- as the change that causes it (edit, resend, the RSD send). The message is rendered when
-- it is sent, from the lines it is about (outbox_lines). A dispatcher claims a batch by
-- writing its lease_token and lease_until; a lease left by a crashed process expires.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        TEXT NOT NULL REFERENCES orders (id),
    recipient       TEXT NOT NULL,
    -- What caused it: rsd, edit or resend (only edit and resend count against the limits).
    cause           TEXT NOT NULL CHECK (cause IN ('rsd', 'edit', 'resend')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    lease_token     TEXT,
    last_error      TEXT,
    server_reply    TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);
CREATE INDEX outbox_lease ON outbox (lease_token);

-- The lines one message is about (one email per recipient per event).
CREATE TABLE outbox_lines (
    outbox_id       INTEGER NOT NULL REFERENCES outbox (id),
    subscription_id TEXT NOT NULL REFERENCES lines (subscription_id),
    PRIMARY KEY (outbox_id, subscription_id)
);
CREATE INDEX outbox_lines_line ON outbox_lines (subscription_id, outbox_id);

ALTER TABLE lines ADD COLUMN last_email_at TEXT;
ALTER TABLE lines ADD COLUMN last_outbox_id INTEGER REFERENCES outbox (id);
ALTER TABLE transactions ADD COLUMN outbox_id INTEGER REFERENCES outbox (id);
CREATE INDEX transactions_outbox ON transactions (outbox_id);
CREATE INDEX lines_rsd_due ON lines (rsd) WHERE email_sent_at IS NULL AND status = 'awaiting';
