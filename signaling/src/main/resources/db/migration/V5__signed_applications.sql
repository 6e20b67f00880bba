-- Signed applications and their hand-off to the owning hall (issue 6, items 5 and 6). Portable SQL: runs
-- on the embedded H2 and on PostgreSQL.

-- One application per ticket, from the rendered form to the sealed PDF. The PDFs themselves live under
-- <data-dir>/applications/, content-addressed by SHA-256: form_sha256 (rendered), current_sha256 (the
-- latest version: form, then signed by the applicant, then final), final_sha256 (applicant, clerk and
-- hall seal, PAdES B-LTA, verified before it is offered). status: PREPARED, INTENT_CONFIRMED,
-- APPLICANT_SIGNED, SEALING, SEALED.
--
-- The hand-off columns make this table the outbox: handoff_status is LOCAL (filed with the owning hall
-- on this node, no transfer), PENDING (to be sent or re-sent at handoff_next_at), DELIVERED (the owning
-- hall's node verified and acknowledged it: receipt_*), or REFUSED (its verification failed there:
-- handoff_reason). A refused or undelivered package is never deleted. manifest_json is what the hand-off
-- says about the package (written when it is sealed; each attempt signs it anew with its time).
CREATE TABLE application (
    application_id       VARCHAR(64) PRIMARY KEY,
    ticket_id            VARCHAR(64) NOT NULL,
    session_id           VARCHAR(64) NOT NULL,
    matter_id            VARCHAR(64) NOT NULL,
    hall_id              VARCHAR(64) NOT NULL,
    partner_hall_id      VARCHAR(64),
    clerk_id             VARCHAR(64) NOT NULL,
    status               VARCHAR(24) NOT NULL,
    pages                INT NOT NULL,
    form_sha256          CHAR(64) NOT NULL,
    current_sha256       CHAR(64) NOT NULL,
    final_sha256         CHAR(64),
    recording_sha256     CHAR(64),
    applicant_serial     VARCHAR(64),
    intent_at            BIGINT,
    applicant_signed_at  BIGINT,
    sealed_at            BIGINT,
    verdict              VARCHAR(24),
    handoff_status       VARCHAR(16),
    handoff_target       VARCHAR(64),
    handoff_reason       VARCHAR(500),
    handoff_attempts     INT NOT NULL,
    handoff_next_at      BIGINT,
    receipt_no           VARCHAR(64),
    receipt_sha256       CHAR(64),
    receipt_at           BIGINT,
    manifest_json        VARCHAR(8192),
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE UNIQUE INDEX application_ticket ON application (ticket_id);
CREATE INDEX application_handoff ON application (handoff_status, handoff_next_at);

-- The owning hall's side: packages it accepted (verified against its trust list) and the receipt it
-- issued. The PDF and the receipt live under <data-dir>/received/. Receiving the same package again
-- returns the same receipt.
CREATE TABLE received_application (
    application_id  VARCHAR(64) PRIMARY KEY,
    receipt_no      VARCHAR(64) NOT NULL,
    from_hall_id    VARCHAR(64) NOT NULL,
    owning_hall_id  VARCHAR(64) NOT NULL,
    matter_id       VARCHAR(64) NOT NULL,
    pdf_sha256      CHAR(64) NOT NULL,
    pdf_bytes       BIGINT NOT NULL,
    receipt_sha256  CHAR(64) NOT NULL,
    manifest_json   VARCHAR(8192) NOT NULL,
    received_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX received_application_receipt ON received_application (receipt_no);

-- Every package the owning hall refused, with the reason (stable code) and the finding that caused it.
CREATE TABLE handoff_refusal (
    refusal_id      VARCHAR(64) PRIMARY KEY,
    application_id  VARCHAR(64),
    from_hall_id    VARCHAR(64),
    reason          VARCHAR(64) NOT NULL,
    detail          VARCHAR(1000),
    pdf_sha256      CHAR(64),
    refused_at      BIGINT NOT NULL
);
