-- Bulk fix (issue 11): the rows of an uploaded file, kept so that the preview can be
-- classified with joins against the lines (no query per row) and applied once. A row
-- holds what ContactEmail::parse made of its address (or why it refused it) and whether
-- its subscription appeared earlier in the file; after apply, what became of it.
CREATE TABLE bulk_batches (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    filename   TEXT NOT NULL,
    row_count  INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    applied_at TEXT
);
CREATE INDEX bulk_batches_user ON bulk_batches (user_id, id);

CREATE TABLE bulk_rows (
    batch_id        INTEGER NOT NULL REFERENCES bulk_batches (id),
    row_no          INTEGER NOT NULL,
    subscription_id TEXT NOT NULL,
    typed_email     TEXT NOT NULL,
    email           TEXT,
    email_error     TEXT,
    duplicate       INTEGER NOT NULL DEFAULT 0,
    order_id        TEXT,
    result          TEXT,
    outbox_id       INTEGER,
    PRIMARY KEY (batch_id, row_no)
) WITHOUT ROWID;
CREATE INDEX bulk_rows_order ON bulk_rows (batch_id, order_id, subscription_id);

-- The batch an update transaction came from, named in its detail.
ALTER TABLE transactions ADD COLUMN bulk_batch_id INTEGER REFERENCES bulk_batches (id);
