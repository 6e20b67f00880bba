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

-- Materials (提交材料) and stills: one row per uploaded or captured file. The bytes live under
-- <data-dir>/materials/, content-addressed by their SHA-256 (sha256 below); kind is UPLOAD (the
-- applicant's file), DOCUMENT_STILL (the clerk's capture from the document camera) or FACE_STILL (the
-- clerk's still of the applicant for the identity check). status: PENDING, RECEIVED, REPLACE.
CREATE TABLE material (
    material_id VARCHAR(64) PRIMARY KEY,
    ticket_id   VARCHAR(64) NOT NULL,
    session_id  VARCHAR(64) NOT NULL,
    requirement VARCHAR(64),
    kind        VARCHAR(16) NOT NULL,
    mime        VARCHAR(64) NOT NULL,
    size_bytes  BIGINT NOT NULL,
    sha256      CHAR(64) NOT NULL,
    file_name   VARCHAR(200),
    uploaded_by VARCHAR(128) NOT NULL,
    uploaded_at BIGINT NOT NULL,
    status      VARCHAR(16) NOT NULL,
    reason      VARCHAR(500),
    decided_by  VARCHAR(128),
    decided_at  BIGINT
);
CREATE INDEX material_ticket ON material (ticket_id, uploaded_at);

-- Identity checks (身份核实): the clerk's decision on a still against the ID card, and the server's checks
-- of the declared ID number and name. The ID number itself stays in the declaration.
CREATE TABLE identity_check (
    check_id        VARCHAR(64) PRIMARY KEY,
    ticket_id       VARCHAR(64) NOT NULL,
    session_id      VARCHAR(64) NOT NULL,
    clerk_id        VARCHAR(64) NOT NULL,
    decision        VARCHAR(16) NOT NULL,
    result          VARCHAR(16) NOT NULL,
    method          VARCHAR(64) NOT NULL,
    problems        VARCHAR(500),
    still_sha256    CHAR(64) NOT NULL,
    id_image_sha256 CHAR(64),
    reason          VARCHAR(500),
    checked_at      BIGINT NOT NULL
);
CREATE INDEX identity_check_ticket ON identity_check (ticket_id, checked_at);
