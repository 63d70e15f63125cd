-- Strong sign-in (docs/product.md rule 15): one-time codes, recovery codes, the last strong
-- check of a session, and the security_change transaction with its email.
--
-- * totp_factors: one per user. `secret` is the RFC 6238 key sealed with AES-256-GCM under
--   a key derived from the signing key (docs/security.md says what that protects); a row
--   whose confirmed_at is NULL is an enrolment waiting for its first code. last_step is the
--   30-second step of the last code used, so a code is never taken twice.
-- * recovery_codes: ten per user, each the SHA-256 of an 80-bit random code; used once.
-- * sessions.checked_at: when this session's user last proved the second factor (or the
--   password, without one); the fresh check before admin changes reads it.
-- * transactions of kind security_change (a factor changed, a session ended by its user)
--   have no line, like permission changes; their email to the user's own address is an
--   outbox message of cause `security`, which has no order either.
CREATE TABLE totp_factors (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    confirmed_at TIMESTAMPTZ,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE TABLE recovery_codes (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);
ALTER TABLE sessions ADD COLUMN checked_at TIMESTAMPTZ;

ALTER TABLE outbox DROP CONSTRAINT outbox_cause_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_cause_check
    CHECK (cause IN ('rsd', 'edit', 'resend', 'invitation', 'reminder', 'copy', 'bounce_alert', 'security'));
ALTER TABLE outbox DROP CONSTRAINT outbox_order_or_invitation;
ALTER TABLE outbox ADD CONSTRAINT outbox_order_or_invitation
    CHECK ((cause IN ('invitation', 'security')) = (order_id IS NULL));

ALTER TABLE transactions DROP CONSTRAINT transactions_kind_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_kind_check
    CHECK (kind IN ('provisioning_email_update', 'provisioning_email_resend',
                    'provisioning_email_reminder', 'permission_change', 'security_change'));
ALTER TABLE transactions DROP CONSTRAINT transactions_line_or_permission;
ALTER TABLE transactions ADD CONSTRAINT transactions_line_or_permission
    CHECK ((kind IN ('permission_change', 'security_change')) = (subscription_id IS NULL));
-- A user's own security changes (the Transaction Manager shows them to that user).
CREATE INDEX transactions_security_user ON transactions (actor_user_id, id) WHERE kind = 'security_change';
