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
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('queued', 'sent', 'failed', 'bounced', 'delayed'));
ALTER TABLE outbox DROP CONSTRAINT outbox_cause_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_cause_check
    CHECK (cause IN ('rsd', 'edit', 'resend', 'invitation', 'reminder', 'copy', 'bounce_alert'));
ALTER TABLE outbox ADD COLUMN about_outbox_id BIGINT REFERENCES outbox (id);
-- The alerts of an order in the last day (at most one per line and person per day).
CREATE INDEX outbox_bounce_alerts ON outbox (order_id, created_at) WHERE cause = 'bounce_alert';

ALTER TABLE transactions DROP CONSTRAINT transactions_status_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_status_check
    CHECK (status IN ('in_progress', 'success', 'failed', 'bounced', 'delayed'));

CREATE TABLE bounces (
    id          BIGSERIAL PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    outbox_id   BIGINT NOT NULL REFERENCES outbox (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('bounced', 'delayed', 'delivered')),
    recipient   TEXT,
    status_code TEXT,
    diagnostic  TEXT,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX bounces_outbox ON bounces (outbox_id);
