package cn.tongban.signaling.store;

import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A database for a store test: the embedded H2 file database under a directory, or a fresh database on
 * the throwaway PostgreSQL server ({@link TestPostgres}). Store tests run against both.
 */
public record TestDatabase(String kind, String url, String user, String password) {

    public static TestDatabase h2(Path dir) {
        return new TestDatabase("h2", Database.defaultUrl(dir), null, null);
    }

    public static TestDatabase postgres() {
        return new TestDatabase(
                "postgresql", TestPostgres.shared().newDatabase(), TestPostgres.USER, TestPostgres.PASSWORD);
    }

    /** The kinds a parameterized test runs on. */
    public static Stream<String> kinds() {
        return Stream.of("h2", "postgresql");
    }

    public static TestDatabase of(String kind, Path dir) {
        return kind.equals("h2") ? h2(dir) : postgres();
    }

    /** Opens a pool on it (migrating the schema). */
    public Database open() {
        return Database.open(url, user, password);
    }

    /** The command-line options that name this database, after {@code --data-dir dir}. */
    public String[] cliOptions(Path dir) {
        return kind.equals("h2")
                ? new String[] {"--data-dir", dir.toString()}
                : new String[] {
                    "--data-dir", dir.toString(), "--db-url", url, "--db-user", user, "--db-password", password
                };
    }

    @Override
    public String toString() {
        return kind;
    }

    /** Every value of every table of {@code db}'s public schema, as text (binary values as Latin-1). */
    public static java.util.List<String> everyValue(Database db) throws java.sql.SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (java.sql.Connection c = db.dataSource().getConnection()) {
            java.util.List<String> tables = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = c.getMetaData().getTables(null, null, "%", null)) {
                while (rs.next()) {
                    // H2 2 says "BASE TABLE", PostgreSQL "TABLE".
                    String type = rs.getString("TABLE_TYPE");
                    if ("public".equalsIgnoreCase(rs.getString("TABLE_SCHEM"))
                            && ("TABLE".equals(type) || "BASE TABLE".equals(type))) {
                        tables.add(rs.getString("TABLE_NAME"));
                    }
                }
            }
            if (tables.isEmpty()) {
                throw new IllegalStateException("no tables found");
            }
            for (String t : tables) {
                out.add("table:" + t);
                try (java.sql.Statement st = c.createStatement();
                        java.sql.ResultSet rs = st.executeQuery("SELECT * FROM \"" + t + "\"")) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= n; i++) {
                            Object v = rs.getObject(i);
                            if (v instanceof byte[] b) {
                                out.add(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1));
                            } else if (v != null) {
                                out.add(v.toString());
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
