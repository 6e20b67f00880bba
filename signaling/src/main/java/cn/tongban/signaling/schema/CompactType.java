package cn.tongban.signaling.schema;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One type kept in the cluster, with its Compact schema stated in code: the type name every member knows
 * it by, and the names and kinds of the fields it writes. The reader gets the fields through {@link
 * Fields}, which gives a field's default when the entry was written by a build that did not have it (an
 * older one) or no longer has it (a newer one). The rules for changing a schema: docs/cluster.md, "Cluster
 * state and rolling upgrades".
 *
 * @param <T> the Java type (a record, usually)
 */
public final class CompactType<T> implements CompactSerializer<T> {
    private final String typeName;
    private final Class<T> type;
    private final BiConsumer<CompactWriter, T> writer;
    private final Function<Fields, T> reader;

    private CompactType(
            String typeName, Class<T> type, BiConsumer<CompactWriter, T> writer, Function<Fields, T> reader) {
        if (!typeName.startsWith("tongban.")) {
            throw new IllegalArgumentException("cluster type names start with tongban.: " + typeName);
        }
        this.typeName = typeName;
        this.type = Objects.requireNonNull(type);
        this.writer = Objects.requireNonNull(writer);
        this.reader = Objects.requireNonNull(reader);
    }

    /**
     * A type named {@code typeName} (never reused for anything else, never renamed), written by {@code
     * writer} and read by {@code reader}.
     */
    public static <T> CompactType<T> of(
            String typeName, Class<T> type, BiConsumer<CompactWriter, T> writer, Function<Fields, T> reader) {
        return new CompactType<>(typeName, type, writer, reader);
    }

    @Override
    public T read(CompactReader in) {
        return reader.apply(new Fields(in));
    }

    @Override
    public void write(CompactWriter out, T value) {
        writer.accept(out, value);
    }

    @Override
    public String getTypeName() {
        return typeName;
    }

    @Override
    public Class<T> getCompactClass() {
        return type;
    }

    @Override
    public String toString() {
        return typeName + " (" + type.getName() + ")";
    }
}
