-- Clerk accounts and installation secrets move into the database, so that every node sharing it sees
-- the same passwords (a change on one node holds on all) and signs and accepts the same session tokens.
-- Portable SQL: runs on the embedded H2 and on PostgreSQL.

CREATE TABLE account (
    username      VARCHAR(64) PRIMARY KEY,
    password_hash VARCHAR(512) NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Named secrets of the installation, e.g. 'jwt' (the HMAC key of clerk session tokens). Created once by
-- the first node that needs one; read by all others.
CREATE TABLE installation_secret (
    name       VARCHAR(64) PRIMARY KEY,
    secret     VARCHAR(512) NOT NULL,
    created_at BIGINT NOT NULL
);
