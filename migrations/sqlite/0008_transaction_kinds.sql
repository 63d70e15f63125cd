-- Transactions of two more kinds: reminders before a line closes, and permission changes
-- by company admins. A permission change concerns a company and a user, not a line, so
-- subscription_id and order_id may be NULL; company_id and subject (the affected user's
-- email) say what it concerns. SQLite cannot alter a CHECK: the table is rebuilt with the
-- indexes it had after 0007.
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
    status          TEXT NOT NULL CHECK (status IN ('in_progress', 'success', 'failed')),
    detail          TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    outbox_id       INTEGER REFERENCES outbox (id),
    company_id      TEXT REFERENCES companies (id),
    subject         TEXT,
    CHECK ((kind = 'permission_change') = (subscription_id IS NULL))
);
INSERT INTO transactions_new (id, kind, subscription_id, order_id, old_value, new_value, actor_user_id, actor,
                              status, detail, created_at, updated_at, outbox_id)
SELECT id, kind, subscription_id, order_id, old_value, new_value, actor_user_id, actor,
       status, detail, created_at, updated_at, outbox_id
FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_new RENAME TO transactions;
CREATE INDEX transactions_outbox ON transactions (outbox_id);
CREATE INDEX transactions_kind ON transactions (kind, id);
CREATE INDEX transactions_status ON transactions (status, id);
CREATE INDEX transactions_subscription_ci ON transactions (lower(subscription_id), id);
CREATE INDEX transactions_order_ci ON transactions (lower(order_id), id);
CREATE INDEX transactions_company ON transactions (company_id, id);
