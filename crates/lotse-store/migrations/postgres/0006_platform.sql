-- Lotse schema, version 6: many job centres on one platform (issue 7).

-- A suspended tenant answers no citizen and lets no staff member sign in (Unix ms; NULL: active).
ALTER TABLE tenants ADD COLUMN suspended_at BIGINT;

-- The platform-admin right: creates, renames, suspends, resumes and deletes tenants. It belongs
-- to a staff account of some tenant (usually the operator's own), in addition to its role there.
ALTER TABLE users ADD COLUMN platform_admin BOOLEAN NOT NULL DEFAULT FALSE;

-- A tenant's subscription to the shared knowledge base that another tenant maintains (at most
-- one per tenant). The subscriber's citizens get the base's published answers.
CREATE TABLE shared_subscriptions (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    base_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX shared_subscriptions_by_base ON shared_subscriptions (base_id);

-- A subscriber's decision on one shared answer: `hidden` (its citizens do not get it) or
-- `override` (its own answer with the same id replaces it; `base_version` is the shared
-- published version the override was made from, so a newer one flags it for review).
CREATE TABLE shared_local (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    answer_id     TEXT NOT NULL,
    mode          TEXT NOT NULL,
    base_version  BIGINT,
    decided_by    TEXT NOT NULL,
    decided_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, answer_id)
);

-- The shared answers' published versions as the subscriber's staff last looked at them: what
-- is new, changed or removed since is computed against this.
CREATE TABLE shared_seen (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    answer_id   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, answer_id)
);
