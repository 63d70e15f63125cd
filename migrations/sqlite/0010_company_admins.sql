-- no-transaction
-- Company admins (issue 12): invitations to set a password, the last sign-in of each user,
-- and invitation emails through the same outbox as provisioning emails. An invitation
-- email concerns no order: order_id is NULL exactly for it. Its link (with the one-time
-- token) stays on the outbox row only until the message reaches an end; the invitation
-- itself keeps only the token's SHA-256.
--
-- SQLite cannot alter a CHECK or a NOT NULL: the outbox is rebuilt. Other tables refer to
-- it (outbox_lines, lines, transactions), so foreign keys are off while it is (the
-- documented procedure; the pragma has no effect inside a transaction, hence no-transaction).
-- The copy keeps every id, so every reference still holds.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;

CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by  INTEGER REFERENCES users (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX invitations_user ON invitations (user_id);

CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        TEXT REFERENCES orders (id),
    recipient       TEXT NOT NULL,
    cause           TEXT NOT NULL CHECK (cause IN ('rsd', 'edit', 'resend', 'invitation')),
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
    CHECK ((cause = 'invitation') = (order_id IS NULL))
);
INSERT INTO outbox_new (id, order_id, recipient, cause, status, attempts, next_attempt_at, lease_until, lease_token,
                        last_error, server_reply, created_at, sent_at)
SELECT id, order_id, recipient, cause, status, attempts, next_attempt_at, lease_until, lease_token,
       last_error, server_reply, created_at, sent_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_lease ON outbox (lease_token);
CREATE INDEX outbox_limited_recipient ON outbox (lower(recipient), created_at) WHERE cause IN ('edit', 'resend');
CREATE INDEX outbox_limited_order ON outbox (order_id, created_at) WHERE cause IN ('edit', 'resend');
COMMIT;
PRAGMA foreign_keys = ON;
