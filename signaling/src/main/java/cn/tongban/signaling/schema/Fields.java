package cn.tongban.signaling.schema;

import com.hazelcast.nio.serialization.FieldKind;
import com.hazelcast.nio.serialization.compact.CompactReader;
import java.util.List;

/**
 * The fields of one Compact entry, each read with a default for when the entry has no such field: it was
 * written by a member of a build that did not have the field yet, or no longer has it. Every field of a
 * cluster type is read this way, so members of two adjacent builds read each other's entries (a rolling
 * upgrade). A field present with another kind than the reader expects is an error (a retyped field: never
 * done, see docs/cluster.md).
 */
public final class Fields {
    private final CompactReader in;

    Fields(CompactReader in) {
        this.in = in;
    }

    /** Whether the entry has the field (of whatever kind). */
    public boolean has(String name) {
        return in.getFieldKind(name) != FieldKind.NOT_AVAILABLE;
    }

    /** A string field; null when absent. */
    public String string(String name) {
        return has(name) ? in.readString(name) : null;
    }

    public long int64(String name, long absent) {
        return has(name) ? in.readInt64(name) : absent;
    }

    public int int32(String name, int absent) {
        return has(name) ? in.readInt32(name) : absent;
    }

    public double float64(String name, double absent) {
        return has(name) ? in.readFloat64(name) : absent;
    }

    public boolean bool(String name, boolean absent) {
        return has(name) ? in.readBoolean(name) : absent;
    }

    /** A byte array field; null when absent. */
    public byte[] bytes(String name) {
        return has(name) ? in.readArrayOfInt8(name) : null;
    }

    /** A string array field as a list; empty when absent or null. */
    public List<String> strings(String name) {
        String[] a = has(name) ? in.readArrayOfString(name) : null;
        return a == null ? List.of() : List.of(a);
    }

    /**
     * An enum stored by its constant's name ({@link #name}); null when absent or null. A name this build
     * does not know (a constant added by a newer build) fails loudly: see the rules for enums.
     */
    public <E extends Enum<E>> E enumeration(String name, Class<E> type) {
        String s = string(name);
        return s == null ? null : Enum.valueOf(type, s);
    }

    /** A nested Compact object; null when absent or null. */
    public <C> C compact(String name) {
        return has(name) ? in.<C>readCompact(name) : null;
    }

    /** An array of nested Compact objects of one type as a list; empty when absent or null. */
    public <C> List<C> compacts(String name, Class<C> type) {
        C[] a = has(name) ? in.readArrayOfCompact(name, type) : null;
        return a == null ? List.of() : List.of(a);
    }

    /** How an enum is written: its constant's name, or null. */
    public static String name(Enum<?> value) {
        return value == null ? null : value.name();
    }
}
