-- API tokens of a company (CONTRACT.md "API v1"): only the SHA-256 of the secret is kept,
-- so a token is shown once and never again. Revoked tokens stay, for the record.
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    company_id   TEXT NOT NULL REFERENCES companies (id),
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    secret_hash  TEXT NOT NULL UNIQUE,
    created_by   BIGINT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_company ON api_tokens (company_id, id);

-- Idempotency keys of API writes: the first request claims (token, key) by inserting the
-- row (status NULL while it runs); its answer is kept for 24 hours and replayed.
CREATE TABLE api_idempotency (
    token_id   BIGINT NOT NULL REFERENCES api_tokens (id),
    key        TEXT NOT NULL,
    body_hash  TEXT NOT NULL,
    status     INTEGER,
    response   TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
