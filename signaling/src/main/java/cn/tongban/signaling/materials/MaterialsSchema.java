package cn.tongban.signaling.materials;

import static cn.tongban.signaling.schema.Fields.name;

import cn.tongban.signaling.schema.CompactType;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.util.List;

/**
 * The Compact schema of the materials' cluster state: one-time upload slots ({@code tongban.upload-slots}).
 * See docs/cluster.md, "Cluster state and rolling upgrades", before changing anything here.
 */
public final class MaterialsSchema {
    private MaterialsSchema() {}

    public static List<CompactSerializer<?>> types() {
        return List.of(CompactType.of(
                "tongban.UploadSlot",
                MaterialService.Slot.class,
                (w, s) -> {
                    w.writeString("sessionId", s.sessionId());
                    w.writeString("ticketId", s.ticketId());
                    w.writeString("actor", s.actor());
                    w.writeBoolean("clerk", s.clerk());
                    w.writeString("kind", name(s.kind()));
                    w.writeString("requirement", s.requirement());
                    w.writeString("fileName", s.fileName());
                    w.writeInt64("expiresAt", s.expiresAt());
                },
                r -> new MaterialService.Slot(
                        r.string("sessionId"),
                        r.string("ticketId"),
                        r.string("actor"),
                        r.bool("clerk", false),
                        r.enumeration("kind", MaterialStore.Kind.class),
                        r.string("requirement"),
                        r.string("fileName"),
                        r.int64("expiresAt", 0))));
    }
}
