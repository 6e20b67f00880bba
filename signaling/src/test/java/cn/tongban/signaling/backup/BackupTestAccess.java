package cn.tongban.signaling.backup;

import java.util.List;
import java.util.Map;

/** Lets tests of other packages see how a PostgreSQL URL reaches pg_dump (the record is package-private). */
public final class BackupTestAccess {
    private BackupTestAccess() {}

    /** What pg_dump gets: its arguments, its environment, and how the connection is shown in logs. */
    public record Parsed(List<String> arguments, Map<String, String> env, String text) {}

    public static Parsed parse(String jdbcUrl, String user, String password) {
        Backup.PgConnection c = Backup.PgConnection.parse(jdbcUrl, user, password);
        return new Parsed(c.arguments(), c.env(), c.toString());
    }
}
