-- Guided declaration (issue 6). Portable SQL: runs on the embedded H2 and on PostgreSQL.

-- The applicant's declaration, one row per ticket (a ticket keeps its draft across reloads, resumes and
-- a new session after a lost clerk). values_json holds the non-sensitive field values only: sensitive
-- fields never reach the server.
CREATE TABLE declaration_draft (
    ticket_id    VARCHAR(64) PRIMARY KEY,
    session_id   VARCHAR(64),
    matter_id    VARCHAR(64) NOT NULL,
    step         INT NOT NULL,
    values_json  VARCHAR(65536) NOT NULL,
    status       VARCHAR(16) NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    submitted_at BIGINT
);
CREATE INDEX declaration_draft_session ON declaration_draft (session_id);
