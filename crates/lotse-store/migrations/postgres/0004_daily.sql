-- Lotse schema, version 4: the day's figures, written by the nightly learning job (issue 4,
-- item 6). One row per tenant and (UTC) day. The traffic columns count that day's questions and
-- feedback; the model columns describe the re-fit of the night after it. These are counts only,
-- with nothing that identifies a person, so they may outlive the stored questions.

CREATE TABLE daily_stats (
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    -- YYYY-MM-DD (UTC)
    day                TEXT NOT NULL,
    questions          BIGINT NOT NULL,
    answered           BIGINT NOT NULL,
    clarify            BIGINT NOT NULL,
    fallback           BIGINT NOT NULL,
    thumbs_up          BIGINT NOT NULL,
    thumbs_down        BIGINT NOT NULL,
    -- Open inbox questions when the job ran.
    inbox_open         BIGINT NOT NULL,
    -- The regression suite: question variants of live answers, and how many of them got their
    -- own answer from the index before and after the re-fit.
    variants           BIGINT NOT NULL,
    consistent_before  BIGINT NOT NULL,
    consistent_after   BIGINT NOT NULL,
    -- TRUE when the re-fitted index was swapped in.
    swapped            BOOLEAN NOT NULL,
    -- Why (not) swapped, in German, for staff.
    reason             TEXT NOT NULL,
    recorded_at        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, day)
);
