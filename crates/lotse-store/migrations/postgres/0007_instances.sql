-- Lotse schema, version 7: several `lotse serve` instances on one database (issue 7, item 5).
-- (Version 6 belongs to the platform's tenant administration.)
--
-- `revision` counts the changes that affect a tenant's answering (published answers, inbox
-- assignments, variables, synonyms, settings). Each instance remembers the revision its
-- in-memory index was built from and rebuilds when the stored one differs: the safety net
-- behind PostgreSQL's LISTEN/NOTIFY.
ALTER TABLE tenants ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- Background jobs run once per period across all instances: whoever inserts the row runs it.
CREATE TABLE job_claims (
    job         TEXT NOT NULL,
    -- e.g. the UTC day, YYYY-MM-DD
    period      TEXT NOT NULL,
    instance    TEXT NOT NULL,
    claimed_at  BIGINT NOT NULL,
    PRIMARY KEY (job, period)
);
