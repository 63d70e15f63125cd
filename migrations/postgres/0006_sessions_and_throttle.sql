-- Sessions belong to a user: no row for anonymous visitors, ended together when the user's
-- password changes or the user is deactivated. Idle and absolute lifetimes are both kept.
DROP TABLE sessions;
CREATE TABLE sessions (
    key_hash     TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL,
    idle_until   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_idle ON sessions (idle_until);

ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
-- Company admins manage their own company's users and API tokens.
ALTER TABLE users ADD COLUMN company_admin BOOLEAN NOT NULL DEFAULT FALSE;

-- Failed sign-ins per client address and account (account '' counts the address across
-- all accounts), in fixed windows that start at the first failure.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    client       TEXT NOT NULL,
    account      TEXT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    failures     INTEGER NOT NULL,
    PRIMARY KEY (client, account)
);
CREATE INDEX login_failures_window ON login_failures (window_start);

-- PROVISIO_CASE_LIMIT counts a user's recent cases.
CREATE INDEX cases_author ON cases (created_by, created_at);
