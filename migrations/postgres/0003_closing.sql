-- Closing (SPEC.md rule 7): when a line closed and billing started.
ALTER TABLE lines ADD COLUMN closed_at TIMESTAMPTZ;
CREATE INDEX lines_closing ON lines (status, email_sent_at);
CREATE INDEX lines_subscription_order ON lines (subscription_id, order_id);
