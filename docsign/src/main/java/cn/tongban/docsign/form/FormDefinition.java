package cn.tongban.docsign.form;

import java.util.List;
import java.util.Objects;

/**
 * The form of one matter (事项): what the application asks for and which materials it needs.
 *
 * @param matterCode the matter's catalogue code, e.g. {@code 320412-BDC-001}
 * @param matterName the matter's name in Chinese, e.g. {@code 不动产权证书补办}
 * @param fields the fields in display order
 * @param materials the materials (申请材料) the matter requires or accepts
 */
public record FormDefinition(
        String matterCode, String matterName, List<FieldDefinition> fields, List<MaterialRequirement> materials) {
    public FormDefinition {
        Objects.requireNonNull(matterCode, "matterCode");
        Objects.requireNonNull(matterName, "matterName");
        fields = List.copyOf(fields);
        materials = List.copyOf(materials);
    }

    /** One field: a stable key and its Chinese label. */
    public record FieldDefinition(String key, String label, boolean required) {}

    /** One required or optional material. */
    public record MaterialRequirement(String key, String label, boolean required) {}
}
