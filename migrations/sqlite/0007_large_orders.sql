-- Large orders (issues 9 and 10): a page of an order's lines at a time, in the order's
-- own order (position, then subscription id), and counts by status from the same index;
-- apply to all on thousands of lines with as few index updates per changed line as the
-- queries need; email limits counted per order and recipient from the limited causes.
DROP INDEX lines_order;
CREATE INDEX lines_order ON lines (order_id, position, subscription_id);
-- The primary key already finds a line by subscription id.
DROP INDEX lines_subscription_order;
-- No query reads transactions by exact order; a line's history reads the
-- case-insensitive index (subscription ids are unique case-insensitively).
DROP INDEX transactions_order;
DROP INDEX transactions_line;
-- The limits count only the emails people trigger, the recipient case-insensitively.
DROP INDEX outbox_recipient;
CREATE INDEX outbox_limited_recipient ON outbox (lower(recipient), created_at) WHERE cause IN ('edit', 'resend');
CREATE INDEX outbox_limited_order ON outbox (order_id, created_at) WHERE cause IN ('edit', 'resend');
-- The lines of a message are read by message (claim, delivery, limits), never by line
-- alone: the primary key is the only index it needs, and the table is that key.
CREATE TABLE outbox_lines_by_message (
    outbox_id       INTEGER NOT NULL REFERENCES outbox (id),
    subscription_id TEXT NOT NULL REFERENCES lines (subscription_id),
    PRIMARY KEY (outbox_id, subscription_id)
) WITHOUT ROWID;
INSERT INTO outbox_lines_by_message (outbox_id, subscription_id) SELECT outbox_id, subscription_id FROM outbox_lines;
DROP TABLE outbox_lines;
ALTER TABLE outbox_lines_by_message RENAME TO outbox_lines;
