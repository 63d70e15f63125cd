-- Company admins (issue 12): invitations to set a password, the last sign-in of each user,
-- and invitation emails through the same outbox as provisioning emails. An invitation
-- email concerns no order: order_id is NULL exactly for it. Its link (with the one-time
-- token) stays on the outbox row only until the message reaches an end; the invitation
-- itself keeps only the token's SHA-256.
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMPTZ;

CREATE TABLE invitations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by  BIGINT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX invitations_user ON invitations (user_id);

ALTER TABLE outbox ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_cause_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_cause_check CHECK (cause IN ('rsd', 'edit', 'resend', 'invitation'));
ALTER TABLE outbox ADD COLUMN invitation_id BIGINT REFERENCES invitations (id);
ALTER TABLE outbox ADD COLUMN link TEXT;
ALTER TABLE outbox ADD CONSTRAINT outbox_order_or_invitation CHECK ((cause = 'invitation') = (order_id IS NULL));
