package cn.tongban.signaling.application;

import cn.tongban.signaling.schema.CompactType;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.util.List;

/**
 * The Compact schema of the signed application's cluster state: intent codes ({@code tongban.intent}) and
 * signatures prepared for the applicant's browser ({@code tongban.sign-pending}: {@link PendingSignatures}).
 * See docs/cluster.md, "Cluster state and rolling upgrades", before changing anything here.
 */
public final class ApplicationSchema {
    private ApplicationSchema() {}

    public static List<CompactSerializer<?>> types() {
        return List.of(
                CompactType.of(
                        "tongban.IntentCode",
                        SigningService.Intent.class,
                        (w, i) -> {
                            w.writeString("codeHash", i.codeHash());
                            w.writeString("formSha256", i.formSha256());
                            w.writeInt64("expiresAt", i.expiresAt());
                            w.writeInt32("tries", i.tries());
                        },
                        r -> new SigningService.Intent(
                                r.string("codeHash"),
                                r.string("formSha256"),
                                r.int64("expiresAt", 0),
                                r.int32("tries", 0))),
                CompactType.of(
                        "tongban.intent.Replace",
                        SigningService.IntentReplace.class,
                        (w, p) -> {
                            w.writeCompact("expected", p.expected());
                            w.writeCompact("next", p.next());
                        },
                        r -> new SigningService.IntentReplace(r.compact("expected"), r.compact("next"))),
                CompactType.of(
                        "tongban.SignPrepared",
                        PendingSignatures.Prepared.class,
                        (w, p) -> {
                            w.writeArrayOfInt8("encoded", p.encoded());
                            w.writeString("applicationId", p.applicationId());
                            w.writeString("formSha256", p.formSha256());
                            w.writeString("serial", p.serial());
                            w.writeInt64("expiresAt", p.expiresAt());
                        },
                        r -> new PendingSignatures.Prepared(
                                r.bytes("encoded"),
                                r.string("applicationId"),
                                r.string("formSha256"),
                                r.string("serial"),
                                r.int64("expiresAt", 0))),
                CompactType.of(
                        "tongban.SignCompleted",
                        PendingSignatures.Completed.class,
                        (w, c) -> {
                            w.writeString("applicationId", c.applicationId());
                            w.writeString("serial", c.serial());
                            w.writeString("valueSha256", c.valueSha256());
                        },
                        r -> new PendingSignatures.Completed(
                                r.string("applicationId"), r.string("serial"), r.string("valueSha256"))));
    }
}
