-- Files by content: uploaded materials and stills, application PDFs at every signing step, hand-off receipts,
-- packages received from partner halls. Every node of a cluster reads and writes the same rows (one
-- PostgreSQL), so a clerk whose console is on another node than the applicant's sees the same files.
-- ${blobType} is BYTEA on PostgreSQL and BLOB on H2 (Database.java sets the placeholder).
CREATE TABLE stored_file (
    sha256     CHAR(64) PRIMARY KEY,
    size_bytes BIGINT NOT NULL,
    content    ${blobType} NOT NULL,
    stored_at  BIGINT NOT NULL
);
