package cn.tongban.signaling.cluster;

import cn.tongban.signaling.application.ApplicationSchema;
import cn.tongban.signaling.auth.AuthSchema;
import cn.tongban.signaling.declaration.DeclarationSchema;
import cn.tongban.signaling.materials.MaterialsSchema;
import cn.tongban.signaling.media.MediaSchema;
import cn.tongban.signaling.queue.QueueSchema;
import cn.tongban.signaling.schema.Generation;
import com.hazelcast.config.GlobalSerializerConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.nio.serialization.StreamSerializer;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every type this build keeps in the cluster or sends through it (values of the {@code tongban.*} maps,
 * entry processors, their results), each with an explicit Compact schema declared by its feature package
 * ({@code QueueSchema}, {@code MediaSchema}, …). Members of two builds share a cluster as long as they know
 * the same type names and read each other's fields with defaults: docs/cluster.md, "Cluster state and
 * rolling upgrades".
 *
 * <p>Anything else a member would have to serialize for lack of a serializer is refused loudly ({@link
 * #applyTo}), instead of falling back to Hazelcast's reflective ("zero-config") Compact format, whose schema
 * would be whatever the class looks like in each build. Keys and the other values are strings and integers;
 * Vert.x's own maps ({@code __vertx.*}) use its own serializers and are not affected.
 */
public final class ClusterSchema {
    private final List<CompactSerializer<?>> types;
    private final int generation;

    private ClusterSchema(List<CompactSerializer<?>> types, int generation) {
        Set<String> names = new HashSet<>();
        Set<Class<?>> classes = new HashSet<>();
        for (CompactSerializer<?> t : types) {
            if (!names.add(t.getTypeName()) || !classes.add(t.getCompactClass())) {
                throw new IllegalStateException("registered twice: " + t.getTypeName() + " / " + t.getCompactClass());
            }
        }
        this.types = List.copyOf(types);
        this.generation = generation;
    }

    /** This build's schema. */
    public static ClusterSchema current() {
        List<CompactSerializer<?>> all = new ArrayList<>();
        all.addAll(QueueSchema.types());
        all.addAll(MediaSchema.types());
        all.addAll(DeclarationSchema.types());
        all.addAll(ApplicationSchema.types());
        all.addAll(MaterialsSchema.types());
        all.addAll(AuthSchema.types());
        return new ClusterSchema(all, Generation.CURRENT);
    }

    /** The generation a member of this schema advertises ({@link Generation}). */
    public int generation() {
        return generation;
    }

    /**
     * The same types, advertised as {@code older}: how a test builds a member that other members treat as one
     * of a previous build (they keep sending it the previous build's processors).
     */
    public ClusterSchema advertising(int older) {
        return new ClusterSchema(types, older);
    }

    /** The serializers, one per type. */
    public List<CompactSerializer<?>> types() {
        return types;
    }

    /**
     * The same schema with {@code replacement} instead of the serializer of the same Java class: how a test
     * builds a member of another build (an older or newer version of one type).
     */
    public ClusterSchema replacing(CompactSerializer<?> replacement) {
        List<CompactSerializer<?>> out = new ArrayList<>();
        boolean found = false;
        for (CompactSerializer<?> t : types) {
            if (t.getCompactClass().equals(replacement.getCompactClass())) {
                out.add(replacement);
                found = true;
            } else {
                out.add(t);
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no type for " + replacement.getCompactClass());
        }
        return new ClusterSchema(out, generation);
    }

    /** Registers the types with a member's serialization, and refuses types without a serializer. */
    void applyTo(SerializationConfig config) {
        config.getCompactSerializationConfig().setSerializers(types.toArray(new CompactSerializer<?>[0]));
        // Hazelcast asks the global serializer only for objects no other serializer takes (not Compact-,
        // Data- or Java-serializable, not built in); without one, it would use reflective Compact.
        config.setGlobalSerializerConfig(new GlobalSerializerConfig()
                .setImplementation(new Unregistered())
                .setOverrideJavaSerialization(false));
    }

    /** Refuses to serialize anything that reaches it: a type kept in the cluster without a schema. */
    private static final class Unregistered implements StreamSerializer<Object> {
        /** Never written: every write fails. */
        private static final int TYPE_ID = 0x7B_0019;

        @Override
        public void write(ObjectDataOutput out, Object object) {
            throw new HazelcastSerializationException(object.getClass().getName()
                    + " has no Compact schema: declare it in its package's *Schema class (docs/cluster.md,"
                    + " \"Cluster state and rolling upgrades\")");
        }

        @Override
        public Object read(ObjectDataInput in) {
            throw new HazelcastSerializationException("type " + TYPE_ID + " is never written");
        }

        @Override
        public int getTypeId() {
            return TYPE_ID;
        }
    }
}
