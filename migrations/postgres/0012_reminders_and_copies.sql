-- Reminders before a line closes, and copies of a provisioning email to the acting user.
-- A reminder carries the order's creator in copy (cc) and the closing time it announces;
-- a copy counts against the acting user's own address only, so the recipient index of the
-- limits covers copies and the order index does not.
ALTER TABLE outbox DROP CONSTRAINT outbox_cause_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_cause_check
    CHECK (cause IN ('rsd', 'edit', 'resend', 'invitation', 'reminder', 'copy'));
ALTER TABLE outbox ADD COLUMN cc TEXT;
ALTER TABLE outbox ADD COLUMN closes_at TIMESTAMPTZ;
DROP INDEX outbox_limited_recipient;
CREATE INDEX outbox_limited_recipient ON outbox (lower(recipient), created_at) WHERE cause IN ('edit', 'resend', 'copy');
-- The reminder a line last got, as its offset before the closing time (seconds): a
-- smaller offset is a later reminder, so "not yet sent" is reminder_offset > the due one.
-- reminded_at marks the lines one scheduler run claimed.
ALTER TABLE lines ADD COLUMN reminder_offset BIGINT;
ALTER TABLE lines ADD COLUMN reminded_at TIMESTAMPTZ;
