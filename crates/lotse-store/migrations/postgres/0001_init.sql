-- Lotse schema, version 1 (PostgreSQL; the same tables as migrations/sqlite/0001_init.sql, with
-- BIGINT times and counts, DOUBLE PRECISION and BOOLEAN where SQLite has REAL and 0/1).
-- Every tenant-owned table carries tenant_id as the first key column.
-- Times are Unix milliseconds (BIGINT), documents are JSON (TEXT).

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL
);

CREATE TABLE tenant_variables (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- The current state of each answer; its content is the referenced version.
CREATE TABLE answers (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    version     BIGINT NOT NULL,
    status      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Every saved version is kept (history, diff, rollback).
CREATE TABLE answer_versions (
    tenant_id   TEXT NOT NULL,
    answer_id   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    document    TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, answer_id, version),
    FOREIGN KEY (tenant_id, answer_id) REFERENCES answers(tenant_id, id) ON DELETE CASCADE
);

-- The question variants of each answer's current version (the engine's training data).
CREATE TABLE question_variants (
    tenant_id   TEXT NOT NULL,
    answer_id   TEXT NOT NULL,
    position    BIGINT NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, answer_id, position),
    FOREIGN KEY (tenant_id, answer_id) REFERENCES answers(tenant_id, id) ON DELETE CASCADE
);

-- A tenant's own synonym groups (the shared list is built in).
CREATE TABLE synonyms (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    group_id    BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    term        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, position)
);

CREATE TABLE conversations (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Citizen questions, stored only in redacted form.
CREATE TABLE messages (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    text_redacted   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    answer_id       TEXT,
    confidence      DOUBLE PRECISION NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX messages_by_time ON messages (tenant_id, created_at);

CREATE TABLE feedback (
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    message_id       TEXT NOT NULL,
    helpful          BOOLEAN NOT NULL,
    comment_redacted TEXT,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, message_id)
);
