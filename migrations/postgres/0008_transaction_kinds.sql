-- Transactions of two more kinds: reminders before a line closes, and permission changes
-- by company admins. A permission change concerns a company and a user, not a line, so
-- subscription_id and order_id may be NULL; company_id and subject (the affected user's
-- email) say what it concerns.
ALTER TABLE transactions DROP CONSTRAINT transactions_kind_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_kind_check
    CHECK (kind IN ('provisioning_email_update', 'provisioning_email_resend',
                    'provisioning_email_reminder', 'permission_change'));
ALTER TABLE transactions ALTER COLUMN subscription_id DROP NOT NULL;
ALTER TABLE transactions ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE transactions ADD COLUMN company_id TEXT;
ALTER TABLE transactions ADD COLUMN subject TEXT;
ALTER TABLE transactions ADD CONSTRAINT transactions_line_or_permission
    CHECK ((kind = 'permission_change') = (subscription_id IS NULL));
CREATE INDEX transactions_company ON transactions (company_id, id);
