-- Verified mobile numbers before a ticket or a booking (docs/security.md, "Anonymous actions"), shared by
-- every node on this database. Portable SQL: runs on the embedded H2 and on PostgreSQL.

-- The one-time code last sent to a number, and how many were sent lately. mobile_key is a keyed hash of the
-- number (the number itself is not needed here); code_hash a keyed hash of the code. A code is good until
-- expires_at for at most a few attempts; hour_* and day_* count the codes sent in the current windows.
CREATE TABLE mobile_code (
    mobile_key   VARCHAR(64) PRIMARY KEY,
    code_hash    VARCHAR(64),
    expires_at   BIGINT NOT NULL,
    attempts     INT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    hour_start   BIGINT NOT NULL,
    hour_count   INT NOT NULL,
    day_start    BIGINT NOT NULL,
    day_count    INT NOT NULL
);
CREATE INDEX mobile_code_idle ON mobile_code (last_sent_at);

-- Codes asked for from one client address in the current hour.
CREATE TABLE verify_address (
    address      VARCHAR(64) PRIMARY KEY,
    window_start BIGINT NOT NULL,
    requests     INT NOT NULL
);

-- Proof-of-work challenges already used (each is good once), until they expire.
CREATE TABLE used_challenge (
    challenge_hash VARCHAR(64) PRIMARY KEY,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX used_challenge_expiry ON used_challenge (expires_at);

-- The bound on one number's upcoming bookings is counted at every booking.
CREATE INDEX appointment_mobile ON appointment (applicant_mobile, status, slot_start);
