-- Support cases (SPEC.md rule 10) and their screenshots.
CREATE TABLE cases (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id),
    subscription_id TEXT NOT NULL REFERENCES lines (subscription_id),
    order_id        TEXT NOT NULL REFERENCES orders (id),
    request_type    TEXT NOT NULL CHECK (request_type IN ('change_contact', 'resend_email')),
    description     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved')),
    note            TEXT,
    created_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    updated_by      TEXT NOT NULL
);
CREATE INDEX cases_company ON cases (company_id, id);
CREATE INDEX cases_order ON cases (order_id, id);

CREATE TABLE case_attachments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases (id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    data         BYTEA NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id);
