-- Finishing a signed application outside its session, and resending a refused hand-off (signaling/README.md,
-- "Unfinished applications"). Portable SQL: runs on the embedded H2 and on PostgreSQL.
--
-- sealed_by: the clerk whose signature the final PDF carries. Usually the session's clerk (clerk_id); another
-- clerk of the same hall when the application was finished from the console's list after the session ended.
ALTER TABLE application ADD COLUMN sealed_by VARCHAR(64);

-- The console's list and `tongban.jar handoff list` look for applications waiting for the clerk's signature and
-- seal (status) as well as for hand-offs that need a person (handoff_status, already indexed).
CREATE INDEX application_status ON application (status);
