-- Appointments: bookable slots come from refdata.yaml (slots:), bookings live here so that two nodes
-- can never hand out the same place. A booking holds a seat (0 .. capacity-1) of its slot; the unique
-- index makes a second booking of the same seat fail, whichever node tries. A released booking (no-show)
-- gives its seat back by setting it to NULL (NULLs never collide in a unique index, on H2 and PostgreSQL).
CREATE TABLE appointment (
    appointment_id   VARCHAR(32) PRIMARY KEY,
    code_hash        CHAR(64) NOT NULL,
    hall_id          VARCHAR(64) NOT NULL,
    matter_id        VARCHAR(64) NOT NULL,
    slot_start       BIGINT NOT NULL,
    slot_minutes     INT NOT NULL,
    seat             INT,
    applicant_name   VARCHAR(64) NOT NULL,
    applicant_mobile VARCHAR(16) NOT NULL,
    status           VARCHAR(16) NOT NULL,
    booked_at        BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX appointment_seat ON appointment (hall_id, matter_id, slot_start, seat);
CREATE UNIQUE INDEX appointment_code ON appointment (code_hash);
CREATE INDEX appointment_due ON appointment (status, slot_start);
