-- Durable records. Portable SQL: runs on the embedded H2 and on PostgreSQL.

-- The audit journal is a hash chain; audit_head holds the last link and is locked (SELECT ... FOR
-- UPDATE) by every append, so appends from several nodes form one chain.
CREATE TABLE audit_head (
    id   INT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash CHAR(64) NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_event (
    seq        BIGINT PRIMARY KEY,
    at_ms      BIGINT NOT NULL,
    actor      VARCHAR(128) NOT NULL,
    action     VARCHAR(64) NOT NULL,
    session_id VARCHAR(64),
    details    VARCHAR(8192) NOT NULL,
    prev_hash  CHAR(64) NOT NULL,
    hash       CHAR(64) NOT NULL
);
CREATE INDEX audit_event_session ON audit_event (session_id);

-- One row per finished session (closed with an outcome, or aborted when the clerk was lost).
CREATE TABLE case_record (
    session_id       VARCHAR(64) PRIMARY KEY,
    ticket_id        VARCHAR(64) NOT NULL,
    ticket_number    VARCHAR(16) NOT NULL,
    matter_id        VARCHAR(64) NOT NULL,
    hall_id          VARCHAR(64) NOT NULL,
    partner_hall_id  VARCHAR(64),
    clerk_id         VARCHAR(64) NOT NULL,
    applicant_name   VARCHAR(64) NOT NULL,
    applicant_mobile VARCHAR(16) NOT NULL,
    state            VARCHAR(16) NOT NULL,
    outcome          VARCHAR(16),
    note             VARCHAR(1000),
    ended_by         VARCHAR(16),
    end_reason       VARCHAR(32),
    started_at       BIGINT NOT NULL,
    ended_at         BIGINT NOT NULL,
    closed_at        BIGINT NOT NULL
);
CREATE INDEX case_record_hall ON case_record (hall_id, closed_at);
