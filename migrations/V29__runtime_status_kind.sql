-- Which kind's provider call a failing status report is about (issue 19, breaker b10 M3): a runtime of several kinds
-- that saves of two kinds restarted (a bad stt key carried by an llm model change's rollout) can name the kind that
-- failed, so only that kind's rollout is failed by it — whichever run's restart gave the runtime that change — and the
-- other kind's rollout is not rolled back for it. Null: the report names no kind and counts for every open rollout
-- whose change the runtime runs, as before V29.
ALTER TABLE runtime_status
    ADD COLUMN kind VARCHAR(16);
