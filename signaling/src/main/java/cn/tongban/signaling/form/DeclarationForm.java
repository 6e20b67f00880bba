package cn.tongban.signaling.form;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The declaration form of one matter (申报表): steps of fields shown as a wizard, and the materials the
 * matter needs. Loaded from {@code forms/<matterId>.yaml} by {@link FormCatalog}, which validates it;
 * served to browsers as JSON by {@code GET /api/forms/<matterId>}. Immutable.
 *
 * @param matterId the matter of the reference data this form belongs to
 * @param matterCode the matter's catalogue code, printed on the application PDF (docsign {@code
 *     FormDefinition.matterCode})
 * @param title the form's title, e.g. 不动产登记申请书
 * @param steps the wizard's steps in order
 * @param materials the materials (申请材料) the matter requires or accepts
 * @param identity which fields hold the applicant's name and ID number and which material is the ID card,
 *     for the identity check (身份核实); null if the matter has none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeclarationForm(
        String matterId,
        String matterCode,
        String title,
        String titleEn,
        List<Step> steps,
        List<Material> materials,
        Identity identity) {

    public DeclarationForm {
        steps = List.copyOf(steps);
        materials = materials == null ? List.of() : List.copyOf(materials);
    }

    /** The fields and material the identity check uses. */
    public record Identity(String nameField, String idField, String idCardMaterial) {}

    /** One wizard step (a section of the form). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Step(String id, String title, String titleEn, String hint, String hintEn, List<Field> fields) {
        public Step {
            fields = fields == null ? List.of() : List.copyOf(fields);
        }
    }

    /**
     * One field.
     *
     * @param applicantOnly a no-control zone (consent, intent): only the applicant may set it, whatever the
     *     control mode
     * @param personal personal data (names and the like): masked and fingerprinted in the audit trail
     * @param prefill {@code applicant.name} or {@code applicant.mobile}: filled from the ticket when the
     *     draft is created
     * @param sexField for an id-number, the select field (values {@code male}/{@code female}) whose value
     *     must agree with the number's sex digit
     * @param notBefore for a date, the earliest allowed ({@code YYYY-MM-DD} or {@code today})
     * @param notAfter for a date, the latest allowed
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Field(
            String key,
            String label,
            String labelEn,
            FieldType type,
            boolean required,
            boolean applicantOnly,
            boolean personal,
            boolean multiline,
            Integer minLength,
            Integer maxLength,
            String pattern,
            String placeholder,
            String hint,
            String hintEn,
            List<Option> options,
            BigDecimal min,
            BigDecimal max,
            Integer scale,
            String unit,
            String notBefore,
            String notAfter,
            String prefill,
            String sexField) {
        public Field {
            options = options == null ? null : List.copyOf(options);
        }

        /** The largest number of characters of a text value (default 200). */
        @JsonIgnore
        public int maxChars() {
            return maxLength != null ? maxLength : 200;
        }
    }

    /** One option of a select field. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Option(String value, String label, String labelEn) {}

    /**
     * A material.
     *
     * @param key stable key, e.g. {@code idcard}; docsign's {@code MaterialRequirement.key}
     * @param label the name, e.g. 申请人身份证
     * @param generated produced by the session itself (the signed application form): nothing to upload
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Material(
            String key,
            String label,
            String labelEn,
            boolean required,
            String hint,
            String hintEn,
            boolean generated) {}

    /** All fields by key, in form order. */
    @JsonIgnore
    public Map<String, Field> fields() {
        Map<String, Field> all = new LinkedHashMap<>();
        for (Step s : steps) {
            for (Field f : s.fields()) {
                all.put(f.key(), f);
            }
        }
        return all;
    }

    public Optional<Field> field(String key) {
        return Optional.ofNullable(fields().get(key));
    }

    /** The index of the step holding a field. */
    public int stepOf(String key) {
        for (int i = 0; i < steps.size(); i++) {
            for (Field f : steps.get(i).fields()) {
                if (f.key().equals(key)) {
                    return i;
                }
            }
        }
        return -1;
    }
}
