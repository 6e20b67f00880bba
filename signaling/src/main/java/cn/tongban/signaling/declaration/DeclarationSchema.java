package cn.tongban.signaling.declaration;

import static cn.tongban.signaling.schema.Fields.name;

import cn.tongban.signaling.schema.CompactType;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.util.List;

/**
 * The Compact schema of co-browsing's cluster state ({@code tongban.cobrowse}): {@link ControlState}, the
 * {@link CoBrowse.Transition}s and their {@link ControlState.Result}. See docs/cluster.md, "Cluster state
 * and rolling upgrades", before changing anything here.
 */
public final class DeclarationSchema {
    private DeclarationSchema() {}

    public static List<CompactSerializer<?>> types() {
        return List.of(
                CompactType.of(
                        "tongban.ControlState",
                        ControlState.class,
                        (w, s) -> {
                            w.writeString("mode", name(s.mode()));
                            w.writeInt32("epoch", s.epoch());
                            w.writeString("pendingBy", s.pendingBy());
                            w.writeInt64("requestedAt", s.requestedAt());
                            w.writeInt64("changedAt", s.changedAt());
                        },
                        r -> new ControlState(
                                r.enumeration("mode", ControlState.Mode.class),
                                r.int32("epoch", 0),
                                r.string("pendingBy"),
                                r.int64("requestedAt", 0),
                                r.int64("changedAt", 0))),
                CompactType.of(
                        "tongban.cobrowse.Result",
                        ControlState.Result.class,
                        (w, x) -> {
                            w.writeCompact("before", x.before());
                            w.writeCompact("after", x.after());
                            w.writeString("refusal", x.refusal());
                        },
                        r -> new ControlState.Result(r.compact("before"), r.compact("after"), r.string("refusal"))),
                CompactType.of(
                        "tongban.cobrowse.SetMode",
                        CoBrowse.SetMode.class,
                        (w, t) -> {
                            w.writeString("mode", name(t.mode()));
                            w.writeInt64("at", t.at());
                        },
                        r -> new CoBrowse.SetMode(r.enumeration("mode", ControlState.Mode.class), r.int64("at", 0))),
                CompactType.of(
                        "tongban.cobrowse.Request",
                        CoBrowse.Request.class,
                        (w, t) -> {
                            w.writeString("clerkId", t.clerkId());
                            w.writeInt64("at", t.at());
                        },
                        r -> new CoBrowse.Request(r.string("clerkId"), r.int64("at", 0))),
                CompactType.of(
                        "tongban.cobrowse.Answer",
                        CoBrowse.Answer.class,
                        (w, t) -> {
                            w.writeBoolean("granted", t.granted());
                            w.writeInt64("at", t.at());
                        },
                        r -> new CoBrowse.Answer(r.bool("granted", false), r.int64("at", 0))),
                CompactType.of(
                        "tongban.cobrowse.Revoke",
                        CoBrowse.Revoke.class,
                        (w, t) -> w.writeInt64("at", t.at()),
                        r -> new CoBrowse.Revoke(r.int64("at", 0))),
                CompactType.of(
                        "tongban.cobrowse.Release",
                        CoBrowse.Release.class,
                        (w, t) -> w.writeInt64("at", t.at()),
                        r -> new CoBrowse.Release(r.int64("at", 0))));
    }
}
