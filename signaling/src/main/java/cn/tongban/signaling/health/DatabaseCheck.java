package cn.tongban.signaling.health;

import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The relational store answers: a pooled connection is valid within two seconds. Without it nothing that
 * keeps records works (sign-in, cases, the audit journal), so its failure is {@link Level#DOWN}.
 */
public final class DatabaseCheck implements HealthCheck {
    private final DataSource dataSource;

    public DatabaseCheck(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public String name() {
        return "database";
    }

    @Override
    public Duration period() {
        return Duration.ofSeconds(10);
    }

    @Override
    public Result check() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2)
                    ? Result.ok("answers")
                    : new Result(Level.DOWN, "a connection did not validate within 2 s");
        }
    }
}
