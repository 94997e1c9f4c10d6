-- Lotse schema, version 4: the day's figures, written by the nightly learning job (issue 4,
-- item 6). One row per tenant and (UTC) day. The traffic columns count that day's questions and
-- feedback; the model columns describe the re-fit of the night after it. These are counts only,
-- with nothing that identifies a person, so they may outlive the stored questions.

CREATE TABLE daily_stats (
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    -- YYYY-MM-DD (UTC)
    day                TEXT NOT NULL,
    questions          INTEGER NOT NULL,
    answered           INTEGER NOT NULL,
    clarify            INTEGER NOT NULL,
    fallback           INTEGER NOT NULL,
    thumbs_up          INTEGER NOT NULL,
    thumbs_down        INTEGER NOT NULL,
    -- Open inbox questions when the job ran.
    inbox_open         INTEGER NOT NULL,
    -- The regression suite: question variants of live answers, and how many of them got their
    -- own answer from the index before and after the re-fit.
    variants           INTEGER NOT NULL,
    consistent_before  INTEGER NOT NULL,
    consistent_after   INTEGER NOT NULL,
    -- 1 when the re-fitted index was swapped in.
    swapped            INTEGER NOT NULL,
    -- Why (not) swapped, in German, for staff.
    reason             TEXT NOT NULL,
    recorded_at        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day)
);
