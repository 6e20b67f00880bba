package cn.tongban.signaling.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The details of one audit event: {@link AuditField}s and their values, in the order given; a null value is
 * left out. Immutable: {@link #and} returns a new one.
 */
public final class AuditDetails {
    /** No details. */
    public static final AuditDetails NONE = new AuditDetails(Map.of());

    private final Map<String, Object> values;

    private AuditDetails(Map<String, Object> values) {
        this.values = values;
    }

    public static AuditDetails of(AuditField field, Object value) {
        return NONE.and(field, value);
    }

    public AuditDetails and(AuditField field, Object value) {
        if (value == null) {
            return this;
        }
        Map<String, Object> next = new LinkedHashMap<>(values);
        next.put(field.key(), value);
        return new AuditDetails(Collections.unmodifiableMap(next));
    }

    /** The details as the journal stores them: key → value, in order. */
    public Map<String, Object> asMap() {
        return values;
    }
}
