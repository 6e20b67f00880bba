package cn.tongban.signaling.auth;

import cn.tongban.signaling.schema.CompactType;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.util.List;

/**
 * The Compact schema of the previous build's login lock-out in the cluster ({@code tongban.login-failures},
 * {@link LegacyLoginFailures}): registered only so that members of that build can share a cluster with this
 * one; the sign-in throttle of this build keeps its state in the database. See docs/cluster.md, "Cluster
 * state and rolling upgrades", before changing anything here.
 */
public final class AuthSchema {
    private AuthSchema() {}

    public static List<CompactSerializer<?>> types() {
        return List.of(
                CompactType.of(
                        "tongban.LoginFailures",
                        LegacyLoginFailures.State.class,
                        (w, s) -> {
                            w.writeInt32("failures", s.failures());
                            w.writeInt64("firstFailureAt", s.firstFailureAt());
                            w.writeInt64("lockedUntil", s.lockedUntil());
                        },
                        r -> new LegacyLoginFailures.State(
                                r.int32("failures", 0), r.int64("firstFailureAt", 0), r.int64("lockedUntil", 0))),
                CompactType.of(
                        "tongban.login.Failure",
                        LegacyLoginFailures.Failure.class,
                        (w, p) -> w.writeInt64("at", p.at()),
                        r -> new LegacyLoginFailures.Failure(r.int64("at", 0))));
    }
}
