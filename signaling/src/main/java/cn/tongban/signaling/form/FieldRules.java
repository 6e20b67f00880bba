package cn.tongban.signaling.form;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validation rules of declaration fields, on the server (the truth) — the browser runs the same rules
 * for the applicant's convenience ({@code web/ui assets/validate.js}; an end-to-end test feeds both the
 * same table). Two levels:
 *
 * <ul>
 *   <li>{@link #shapeProblem}: what a draft may hold while the applicant is still typing — the right JSON
 *       type, within size limits, a known option. A draft value failing it is refused.
 *   <li>{@link #problem}: the full rule (check digits, dates, ranges, patterns), applied to every non-empty
 *       value on submission, together with {@code required}.
 * </ul>
 *
 * Error codes are stable strings shared with the browser ({@code decl.err.<code>} in {@code i18n.js}).
 */
public final class FieldRules {
    /** Hard cap of any text value in a draft, whatever the form says. */
    public static final int HARD_MAX_CHARS = 2000;

    private static final Pattern MOBILE = Pattern.compile("1[3-9]\\d{9}");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern NUMBER = Pattern.compile("-?\\d{1,15}(\\.\\d{1,8})?");

    /** The provincial-level divisions of GB/T 2260, as offered by address fields. */
    public static final List<String> PROVINCES = List.of(
            "北京市",
            "天津市",
            "河北省",
            "山西省",
            "内蒙古自治区",
            "辽宁省",
            "吉林省",
            "黑龙江省",
            "上海市",
            "江苏省",
            "浙江省",
            "安徽省",
            "福建省",
            "江西省",
            "山东省",
            "河南省",
            "湖北省",
            "湖南省",
            "广东省",
            "广西壮族自治区",
            "海南省",
            "重庆市",
            "四川省",
            "贵州省",
            "云南省",
            "西藏自治区",
            "陕西省",
            "甘肃省",
            "青海省",
            "宁夏回族自治区",
            "新疆维吾尔自治区",
            "台湾省",
            "香港特别行政区",
            "澳门特别行政区");

    /** Parts of an address value. */
    public static final List<String> ADDRESS_PARTS = List.of("province", "city", "district", "detail");

    private FieldRules() {}

    /** True when the value counts as "not filled in". */
    public static boolean isEmpty(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return true;
        }
        if (v.isTextual()) {
            return v.asText().isBlank();
        }
        if (v.isBoolean()) {
            return !v.asBoolean();
        }
        if (v.isObject()) {
            for (String part : ADDRESS_PARTS) {
                JsonNode p = v.get(part);
                if (p != null && p.isTextual() && !p.asText().isBlank()) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Whether a value may be stored in a draft. Returns the error code or empty. A sensitive field never
     * has a value on the server: any value for one is {@code sensitive}.
     */
    public static Optional<String> shapeProblem(DeclarationForm.Field f, JsonNode v) {
        if (f.type() == FieldType.SENSITIVE) {
            return Optional.of("sensitive");
        }
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        switch (f.type()) {
            case CHECKBOX -> {
                return v.isBoolean() ? Optional.empty() : Optional.of("type");
            }
            case ADDRESS -> {
                if (!v.isObject()) {
                    return Optional.of("type");
                }
                for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    JsonNode part = v.get(name);
                    if (!ADDRESS_PARTS.contains(name) || !part.isTextual()) {
                        return Optional.of("type");
                    }
                    if (length(part.asText()) > 200 || hasControl(part.asText())) {
                        return Optional.of("too_long");
                    }
                }
                return Optional.empty();
            }
            default -> {
                if (!v.isTextual()) {
                    return Optional.of("type");
                }
                String s = v.asText();
                if (length(s) > Math.min(HARD_MAX_CHARS, Math.max(f.maxChars(), 40))) {
                    return Optional.of("too_long");
                }
                if (hasControl(s) && !(f.multiline() && s.chars().allMatch(c -> c == '\n' || !isControl(c)))) {
                    return Optional.of("invalid_chars");
                }
                if (f.type() == FieldType.SELECT && !s.isEmpty() && option(f, s).isEmpty()) {
                    return Optional.of("option_unknown");
                }
                return Optional.empty();
            }
        }
    }

    /** The full rule for a non-empty value; {@code today} is the applicant's calendar day (Asia/Shanghai). */
    public static Optional<String> problem(DeclarationForm.Field f, JsonNode v, LocalDate today) {
        Optional<String> shape = shapeProblem(f, v);
        if (shape.isPresent()) {
            return shape;
        }
        if (isEmpty(v)) {
            return Optional.empty();
        }
        return switch (f.type()) {
            case TEXT -> text(f, v.asText());
            case ID_NUMBER -> IdNumbers.problem(v.asText(), today);
            case MOBILE -> MOBILE.matcher(v.asText()).matches() ? Optional.empty() : Optional.of("mobile_format");
            case USCC -> CreditCodes.problem(v.asText());
            case DATE -> date(f, v.asText(), today);
            case ADDRESS -> address(v);
            case NUMBER -> number(f, v.asText());
            case SELECT, CHECKBOX, SENSITIVE -> Optional.empty();
        };
    }

    /**
     * Checks a whole declaration for submission: every required field filled (required tick boxes ticked),
     * every value valid, cross-field rules (an ID number's sex digit against its sex field). Sensitive
     * fields are the browser's business. Returns field key → error code, empty when all is well.
     */
    public static Map<String, String> validate(DeclarationForm form, ObjectNode values, LocalDate today) {
        Map<String, String> errors = new LinkedHashMap<>();
        for (DeclarationForm.Field f : form.fields().values()) {
            if (f.type() == FieldType.SENSITIVE) {
                continue;
            }
            JsonNode v = values.get(f.key());
            if (isEmpty(v)) {
                if (f.required()) {
                    errors.put(f.key(), "required");
                }
                continue;
            }
            problem(f, v, today).ifPresent(code -> errors.put(f.key(), code));
        }
        for (DeclarationForm.Field f : form.fields().values()) {
            if (f.type() == FieldType.ID_NUMBER && f.sexField() != null && !errors.containsKey(f.key())) {
                JsonNode id = values.get(f.key());
                JsonNode sex = values.get(f.sexField());
                if (!isEmpty(id) && !isEmpty(sex)) {
                    IdNumbers.parse(id.asText(), today).ifPresent(p -> {
                        String expected = p.sex() == IdNumbers.Sex.MALE ? "male" : "female";
                        if (!expected.equals(sex.asText())) {
                            errors.put(f.key(), "id_sex_mismatch");
                        }
                    });
                }
            }
        }
        return errors;
    }

    static Optional<DeclarationForm.Option> option(DeclarationForm.Field f, String value) {
        if (f.options() == null) {
            return Optional.empty();
        }
        return f.options().stream().filter(o -> o.value().equals(value)).findFirst();
    }

    private static Optional<String> text(DeclarationForm.Field f, String s) {
        int n = length(s.strip());
        if (f.minLength() != null && n < f.minLength()) {
            return Optional.of("too_short");
        }
        if (n > f.maxChars()) {
            return Optional.of("too_long");
        }
        if (s.indexOf('<') >= 0 || s.indexOf('>') >= 0) {
            return Optional.of("invalid_chars");
        }
        if (f.pattern() != null && !Pattern.compile(f.pattern()).matcher(s).matches()) {
            return Optional.of("pattern");
        }
        return Optional.empty();
    }

    private static Optional<String> date(DeclarationForm.Field f, String s, LocalDate today) {
        if (!DATE.matcher(s).matches()) {
            return Optional.of("date_format");
        }
        LocalDate d;
        try {
            d = LocalDate.parse(s);
        } catch (DateTimeParseException e) {
            return Optional.of("date_format");
        }
        LocalDate notBefore = bound(f.notBefore(), today);
        LocalDate notAfter = bound(f.notAfter(), today);
        if ((notBefore != null && d.isBefore(notBefore)) || (notAfter != null && d.isAfter(notAfter))) {
            return Optional.of("date_range");
        }
        return Optional.empty();
    }

    static LocalDate bound(String spec, LocalDate today) {
        if (spec == null) {
            return null;
        }
        return spec.equals("today") ? today : LocalDate.parse(spec);
    }

    private static Optional<String> address(JsonNode v) {
        String province = part(v, "province");
        if (!PROVINCES.contains(province)) {
            return Optional.of("address_incomplete");
        }
        if (length(part(v, "city")) < 2 || length(part(v, "district")) < 2 || length(part(v, "detail")) < 4) {
            return Optional.of("address_incomplete");
        }
        for (String p : ADDRESS_PARTS) {
            String s = part(v, p);
            if (s.indexOf('<') >= 0 || s.indexOf('>') >= 0) {
                return Optional.of("invalid_chars");
            }
        }
        return Optional.empty();
    }

    private static String part(JsonNode v, String name) {
        JsonNode p = v.get(name);
        return p != null && p.isTextual() ? p.asText().strip() : "";
    }

    private static Optional<String> number(DeclarationForm.Field f, String s) {
        if (!NUMBER.matcher(s).matches()) {
            return Optional.of("number_format");
        }
        BigDecimal n = new BigDecimal(s);
        if (f.scale() != null && Math.max(0, n.scale()) > f.scale()) {
            return Optional.of("number_format");
        }
        if ((f.min() != null && n.compareTo(f.min()) < 0) || (f.max() != null && n.compareTo(f.max()) > 0)) {
            return Optional.of("number_range");
        }
        return Optional.empty();
    }

    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(FieldRules::isControl);
    }

    private static boolean isControl(int c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }
}
