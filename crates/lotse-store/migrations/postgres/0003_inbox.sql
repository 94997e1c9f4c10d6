-- Lotse schema, version 3: the staff inbox (SPEC §2.5).
-- The inbox itself is not a table: it is every message that ended in `fallback` or `clarify`
-- or got a thumbs-down, and that has no decision yet. This table holds the staff decision per
-- message, so a decided question leaves the inbox and the decision stays auditable.

CREATE TABLE inbox_decisions (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    message_id  TEXT NOT NULL,
    -- assigned | out_of_scope | dismissed (no row: open)
    state       TEXT NOT NULL,
    -- The answer the question now belongs to (assigned; out_of_scope when it became a variant
    -- of the tenant's out-of-scope answer).
    answer_id   TEXT,
    decided_by  TEXT NOT NULL,
    decided_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, message_id)
);

-- The inbox query filters messages by kind.
CREATE INDEX messages_by_kind ON messages (tenant_id, kind, created_at);
