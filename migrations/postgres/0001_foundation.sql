-- Ids are unique case-insensitively; search matches lower(id) by prefix in byte order; times are
-- timestamptz (the application always writes UTC).

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE companies (
    id       TEXT NOT NULL PRIMARY KEY,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('partner', 'distributor', 'vendor')),
    language TEXT CHECK (language IN ('en', 'ko', 'sv'))
);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    company_id    TEXT NOT NULL REFERENCES companies (id),
    password_hash TEXT,
    can_edit      BOOLEAN NOT NULL DEFAULT FALSE,
    operator      BOOLEAN NOT NULL DEFAULT FALSE,
    language      TEXT CHECK (language IN ('en', 'ko', 'sv'))
);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_company ON users (company_id);

CREATE TABLE login_failures (
    email          TEXT NOT NULL PRIMARY KEY,
    failures       INTEGER NOT NULL,
    last_failed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE orders (
    id             TEXT NOT NULL PRIMARY KEY,
    partner_id     TEXT NOT NULL REFERENCES companies (id),
    distributor_id TEXT REFERENCES companies (id),
    created_by     BIGINT NOT NULL REFERENCES users (id),
    customer       TEXT NOT NULL,
    language       TEXT CHECK (language IN ('en', 'ko', 'sv')),
    org_mapped_at  TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX orders_id_ci ON orders ((lower(id) COLLATE "C"));
CREATE INDEX orders_partner ON orders (partner_id, id);
CREATE INDEX orders_distributor ON orders (distributor_id, id);

CREATE TABLE lines (
    subscription_id TEXT NOT NULL PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders (id),
    position        INTEGER NOT NULL,
    offer           TEXT NOT NULL,
    rsd             DATE NOT NULL,
    contact         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('awaiting', 'closed', 'complete')),
    email_sent_at   TIMESTAMPTZ,
    version         BIGINT NOT NULL DEFAULT 1,
    updated_at      TIMESTAMPTZ NOT NULL,
    updated_by      TEXT NOT NULL
);
CREATE UNIQUE INDEX lines_subscription_ci ON lines ((lower(subscription_id) COLLATE "C"));
CREATE INDEX lines_order ON lines (order_id, position);

CREATE TABLE transactions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('provisioning_email_update', 'provisioning_email_resend')),
    subscription_id TEXT NOT NULL REFERENCES lines (subscription_id),
    order_id        TEXT NOT NULL REFERENCES orders (id),
    old_value       TEXT,
    new_value       TEXT,
    actor_user_id   BIGINT REFERENCES users (id),
    actor           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('in_progress', 'success', 'failed')),
    detail          TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX transactions_line ON transactions (subscription_id, id);

CREATE TABLE sessions (
    key_hash   TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
