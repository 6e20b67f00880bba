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
}
