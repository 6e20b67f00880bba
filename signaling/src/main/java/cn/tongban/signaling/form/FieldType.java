package cn.tongban.signaling.form;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The types a declaration field may have; the wire and YAML name is {@link #wire()}. */
public enum FieldType {
    /** Free text (one line or, with {@code multiline}, several); no control characters, no angle brackets. */
    TEXT("text"),
    /** A GB 11643-1999 citizen identity number ({@link IdNumbers}). */
    ID_NUMBER("id-number"),
    /** An 11-digit mainland mobile number, {@code 1[3-9]} followed by nine digits. */
    MOBILE("mobile"),
    /** A GB 32100-2015 unified social credit code ({@link CreditCodes}). */
    USCC("uscc"),
    /** A calendar date, {@code YYYY-MM-DD}. */
    DATE("date"),
    /** An address: {@code {province, city, district, detail}}. */
    ADDRESS("address"),
    /** One of the field's options. */
    SELECT("select"),
    /** A tick box: {@code true} or {@code false}. */
    CHECKBOX("checkbox"),
    /** A decimal number as text, within {@code min}/{@code max} and at most {@code scale} decimals. */
    NUMBER("number"),
    /** Masked: the value never leaves the applicant's browser (codes, PINs, passwords). */
    SENSITIVE("sensitive");

    private final String wire;

    FieldType(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static FieldType of(String wire) {
        for (FieldType t : values()) {
            if (t.wire.equals(wire)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown field type \"" + wire + "\"");
    }
}
