package cn.tongban.signaling.auth;

import cn.tongban.signaling.schema.CompactType;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.util.List;

/**
 * The Compact schema of the login lock-out's cluster state ({@code tongban.login-failures}). See
 * docs/cluster.md, "Cluster state and rolling upgrades", before changing anything here.
 */
public final class AuthSchema {
    private AuthSchema() {}

    public static List<CompactSerializer<?>> types() {
        return List.of(
                CompactType.of(
                        "tongban.LoginFailures",
                        LoginThrottle.State.class,
                        (w, s) -> {
                            w.writeInt32("failures", s.failures());
                            w.writeInt64("firstFailureAt", s.firstFailureAt());
                            w.writeInt64("lockedUntil", s.lockedUntil());
                        },
                        r -> new LoginThrottle.State(
                                r.int32("failures", 0), r.int64("firstFailureAt", 0), r.int64("lockedUntil", 0))),
                CompactType.of(
                        "tongban.login.Failure",
                        LoginThrottle.Failure.class,
                        (w, p) -> w.writeInt64("at", p.at()),
                        r -> new LoginThrottle.Failure(r.int64("at", 0))));
    }
}
