-- Serial numbers of the end-entity certificates the PKI issued (applicants' session certificates above
-- all), shared by every node on this database: a node's OCSP responder answers "good" only for serials it
-- knows, so an applicant certified on one node can be sealed on another (docs/cluster.md). Each node also
-- keeps its own issued.log in <data-dir>/pki. serial is lowercase hexadecimal.
CREATE TABLE issued_certificate (
    ca_id     VARCHAR(64) NOT NULL,
    serial    VARCHAR(64) NOT NULL,
    issued_at BIGINT NOT NULL,
    PRIMARY KEY (ca_id, serial)
);
