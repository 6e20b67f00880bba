-- A session's recording as a list of segments (docs/cluster.md, "Bridge failover"): segment 1 is recorded
-- on the bridge where the session started; when that bridge's node dies, the session's media moves to a
-- surviving node, which records the next segment; the segment cut off on the dead node is finished and
-- added here when that node starts again (recovered = TRUE: it ends where its data stopped). Segments are
-- read in the order they started. segment_id is the segment's directory under <recordings>/<session id>/
-- ('.' for a recording of a build before segments, kept in the session's directory itself); node is the
-- name of the node whose disk holds it. Each file's hash is also an audit event (recording.file), the
-- manifest's in recording.stopped. Portable SQL: runs on the embedded H2 and on PostgreSQL.
CREATE TABLE recording_segment (
    session_id      VARCHAR(64) NOT NULL,
    segment_id      VARCHAR(160) NOT NULL,
    node            VARCHAR(128),
    manifest_sha256 CHAR(64) NOT NULL,
    directory       VARCHAR(1024) NOT NULL,
    files           INT NOT NULL,
    started_at      BIGINT NOT NULL,
    stopped_at      BIGINT NOT NULL,
    recovered       BOOLEAN NOT NULL,
    archived_at     BIGINT NOT NULL,
    manifest        VARCHAR(65536) NOT NULL,
    PRIMARY KEY (session_id, segment_id)
);

-- Recordings archived before this version: one segment each. session_recording stays (a node of the
-- previous build still writes there during a rolling upgrade; RecordingStore reads such rows as segment '.').
INSERT INTO recording_segment (session_id, segment_id, node, manifest_sha256, directory, files, started_at,
                               stopped_at, recovered, archived_at, manifest)
SELECT session_id, '.', NULL, manifest_sha256, directory, files, started_at, stopped_at, FALSE, stopped_at, manifest
FROM session_recording;
