-- Your sessions (docs/product.md rule 15, strong sign-in): each session has a public id of its own
-- (the page and the end routes name it; the cookie's key stays secret and is kept only as
-- its hash), and what the user needs to recognise it: the client address and the browser
-- it was started from, written once at sign-in. `ceremony` holds a passkey registration
-- between its start and its finish (webauthn-rs's state, JSON), server-side.
ALTER TABLE sessions ADD COLUMN public_id TEXT;
ALTER TABLE sessions ADD COLUMN client TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN ceremony TEXT;
UPDATE sessions SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);

-- Passkeys (WebAuthn): the credential as webauthn-rs keeps it (JSON: its id, public key,
-- counter), under the credential id it is looked up by at sign-in. `last_ceremony` is the
-- nonce of the last sign-in ceremony it finished, so one answer cannot be used twice.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    last_ceremony TEXT
);
CREATE INDEX passkeys_user ON passkeys (user_id, id);

-- The user handle a passkey stores (a random UUID, never the email address or the row id),
-- made at a user's first passkey.
ALTER TABLE users ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX users_passkey_handle ON users (passkey_handle);
