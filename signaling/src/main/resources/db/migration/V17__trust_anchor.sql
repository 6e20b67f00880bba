-- Trust anchors of partner installations (deploy/README.md, "A partner hall joins"): root certificates of
-- other installations' embedded PKIs or of a province CA, added by an operator with `tongban.jar trust add`
-- after checking the SHA-256 fingerprint the partner read out, removed with `trust remove`. Every node of the
-- installation reads them from here at each verification (received hand-offs, the partner's receipts,
-- `verify --installation`, `audit verify`), so adding or removing one needs no restart. certificate is the
-- DER encoding in base64; sha256 its SHA-256 in lower-case hex. Portable SQL: runs on H2 and PostgreSQL.
-- (V16 is left to the reference-data migration being written beside this one.)
CREATE TABLE trust_anchor (
    name        VARCHAR(64) NOT NULL PRIMARY KEY,
    sha256      CHAR(64) NOT NULL UNIQUE,
    subject     VARCHAR(1024) NOT NULL,
    not_after   BIGINT NOT NULL,
    certificate VARCHAR(16384) NOT NULL,
    added_by    VARCHAR(128) NOT NULL,
    added_at    BIGINT NOT NULL
);
