package cn.tongban.signaling.backup;

/** A backup or restore that cannot go on, with a stable code for scripts and a sentence for the operator. */
public final class BackupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Code {
        /** The backup's target directory exists and is not empty. */
        TARGET_NOT_EMPTY,
        /** The data directory (or database) to restore into already holds an installation. */
        RESTORE_TARGET_IN_USE,
        /** The backup has no readable manifest. */
        NOT_A_BACKUP,
        /** A file's content differs from the manifest's hash, is missing, or is not listed. */
        BACKUP_CORRUPT,
        /** The backup is of another database kind than the target (H2 into PostgreSQL or back). */
        DATABASE_KIND_MISMATCH,
        /** The database could not be copied (H2's BACKUP, pg_dump or pg_restore failed). */
        DATABASE_COPY_FAILED,
        /** Reading or writing files failed. */
        IO
    }

    private final Code code;

    public BackupException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public BackupException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
