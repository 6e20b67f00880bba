-- The reference data (halls, matters, clerks, routing) of the installation, kept in the database so that every
-- node of a cluster on one PostgreSQL reads the same version (refdata/ReferenceDataTable). One row per version,
-- never changed or deleted: the highest version is the one in force, the others are its history. A change is
-- the next version (a node or `tongban.jar refdata import|rollback`); two writers of the same next version
-- collide on the primary key and the second is refused (optimistic concurrency).
--   document:       the YAML text as validated (UTF-8 bytes; ${blobType} is BYTEA on PostgreSQL, BLOB on H2);
--   kind:           'imported' (version 1, from a node's refdata.yaml), 'changed' (refdata import) or
--                   'rolled_back' (refdata rollback: the document of version rolled_back_to, again);
--   changed_by:     the operator (`--by`) or, for 'imported', the node (node:<name>).
-- Portable SQL: runs on the embedded H2 and on PostgreSQL.
CREATE TABLE reference_data (
    version        BIGINT PRIMARY KEY,
    document       ${blobType} NOT NULL,
    sha256         CHAR(64) NOT NULL,
    kind           VARCHAR(16) NOT NULL,
    changed_by     VARCHAR(200) NOT NULL,
    changed_at     BIGINT NOT NULL,
    rolled_back_to BIGINT
);
