-- Secrets leave the database (they move into the secrets keystore, store/SecretStore); what stays is a
-- fingerprint of each (HMAC-SHA256 keyed with the secret over a fixed label), from which the secret cannot
-- be derived, so that a node started with another installation's keystore is refused.
-- Portable SQL: runs on the embedded H2 and on PostgreSQL.
CREATE TABLE installation_secret_check (
    name        VARCHAR(64) PRIMARY KEY,
    fingerprint CHAR(64) NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Anchors of the audit journal: the chain head at entry seq, sealed by a hall's e-seal and time-stamped
-- (signature: DER CMS SignedData, detached, over the statement in audit/AuditSeal).
CREATE TABLE audit_checkpoint (
    seq        BIGINT PRIMARY KEY,
    hash       CHAR(64) NOT NULL,
    hall_id    VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    signature  ${blobType} NOT NULL
);
