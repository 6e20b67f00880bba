-- A clerk's first sign-in with a password someone else chose (one made by `tongban.jar setup` or issued by
-- `tongban.jar account reset`) must end in a password of the clerk's own (docs/security.md, "Sign-in"):
-- must_change is set until the clerk sets one; expires_at is when a generated one-time password stops being
-- accepted (NULL: no limit). Accounts made before this version, and the demo accounts of the reference data's
-- published initial password, keep must_change FALSE. Portable SQL: runs on the embedded H2 and on PostgreSQL.
ALTER TABLE account ADD COLUMN must_change BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE account ADD COLUMN expires_at BIGINT;
