-- One row per recorded session (bridge mode, matters whose policy records): the SHA-256 of the
-- recording's manifest.json, which lists every track file with its own SHA-256. Each file's hash is also
-- an audit event (recording.file). The application form's session evidence shows manifest_sha256.
CREATE TABLE session_recording (
    session_id      VARCHAR(64) PRIMARY KEY,
    manifest_sha256 CHAR(64) NOT NULL,
    directory       VARCHAR(1024) NOT NULL,
    files           INT NOT NULL,
    started_at      BIGINT NOT NULL,
    stopped_at      BIGINT NOT NULL,
    manifest        VARCHAR(65536) NOT NULL
);
