-- Sign-in throttling and session-token revocation, shared by every node on this database (docs/security.md,
-- "Sign-in"). Portable SQL: runs on the embedded H2 and on PostgreSQL.

-- Failed sign-ins, by what they are counted against:
--   kind 'account' (username, address ''): every attempt on one account, from anywhere; locked_at is set
--       once too many failed in a row, and only `tongban.jar account unlock` clears it;
--   kind 'address' (username '', address): every attempt from one client address, on any account;
--   kind 'pair'    (username, address): attempts on one account from one address.
-- blocked_until is the time before which no further attempt is checked; a success deletes the account's
-- and the pair's rows. Rows idle for an hour and not locked are deleted.
CREATE TABLE login_throttle (
    kind            VARCHAR(8) NOT NULL,
    username        VARCHAR(64) NOT NULL,
    address         VARCHAR(64) NOT NULL,
    failures        INT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    blocked_until   BIGINT NOT NULL,
    locked_at       BIGINT,
    PRIMARY KEY (kind, username, address)
);
CREATE INDEX login_throttle_idle ON login_throttle (last_failure_at);

-- Per clerk, the generation of session tokens still valid: a token carries the generation it was issued
-- in, and signing out or a password change raises the generation, which revokes every earlier token on
-- every node at once. No row means generation 0.
CREATE TABLE token_generation (
    username   VARCHAR(64) PRIMARY KEY,
    generation BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
