-- Sessions belong to a user: no row for anonymous visitors, ended together when the user's
-- password changes or the user is deactivated. Idle and absolute lifetimes are both kept.
DROP TABLE sessions;
CREATE TABLE sessions (
    key_hash     TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    refreshed_at TEXT NOT NULL,
    idle_until   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_idle ON sessions (idle_until);

ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
-- Company admins manage their own company's users and API tokens.
ALTER TABLE users ADD COLUMN company_admin INTEGER NOT NULL DEFAULT 0;

-- Failed sign-ins per client address and account (account '' counts the address across
-- all accounts), in fixed windows that start at the first failure.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    client       TEXT NOT NULL,
    account      TEXT NOT NULL,
    window_start TEXT NOT NULL,
    failures     INTEGER NOT NULL,
    PRIMARY KEY (client, account)
);
CREATE INDEX login_failures_window ON login_failures (window_start);

-- PROVISIO_CASE_LIMIT counts a user's recent cases.
CREATE INDEX cases_author ON cases (created_by, created_at);
