package cn.tongban.signaling.application;

import cn.tongban.docsign.form.ApplicationData;
import cn.tongban.docsign.form.FormDefinition;
import cn.tongban.signaling.form.DeclarationForm;
import cn.tongban.signaling.form.FieldType;
import cn.tongban.signaling.materials.MaterialStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * From the session's declaration to what docsign renders: the form's fields (sensitive ones never reach the
 * server, so they are not on the application), each value as a person reads it (the option's label, the
 * address in one line, the number with its unit), and the received materials.
 */
final class ApplicationContent {
    private ApplicationContent() {}

    static FormDefinition definition(DeclarationForm form, String matterName) {
        List<FormDefinition.FieldDefinition> fields = new ArrayList<>();
        for (DeclarationForm.Field f : form.fields().values()) {
            if (f.type() != FieldType.SENSITIVE) {
                fields.add(new FormDefinition.FieldDefinition(f.key(), f.label(), f.required()));
            }
        }
        List<FormDefinition.MaterialRequirement> materials = form.materials().stream()
                .filter(m -> !m.generated())
                .map(m -> new FormDefinition.MaterialRequirement(m.key(), m.label(), m.required()))
                .toList();
        return new FormDefinition(form.matterCode(), matterName, fields, materials);
    }

    static Map<String, String> values(DeclarationForm form, ObjectNode values) {
        Map<String, String> out = new LinkedHashMap<>();
        for (DeclarationForm.Field f : form.fields().values()) {
            JsonNode v = values.get(f.key());
            if (f.type() != FieldType.SENSITIVE && v != null && !v.isNull()) {
                out.put(f.key(), display(f, v));
            }
        }
        return out;
    }

    static String display(DeclarationForm.Field f, JsonNode v) {
        return switch (f.type()) {
            case SELECT -> f.options().stream()
                    .filter(o -> o.value().equals(v.asText()))
                    .map(DeclarationForm.Option::label)
                    .findFirst()
                    .orElse(v.asText());
            case CHECKBOX -> v.asBoolean() ? "是（申请人本人确认）" : "否";
            case ADDRESS -> text(v, "province") + text(v, "city") + text(v, "district") + " " + text(v, "detail");
            case NUMBER -> v.asText() + (f.unit() == null ? "" : " " + f.unit());
            default -> v.isTextual() ? v.asText() : v.toString();
        };
    }

    /** The received materials (uploads and document-camera stills; never the identity still), with file names. */
    static List<ApplicationData.Material> materials(
            List<MaterialStore.Material> all, java.util.function.Function<MaterialStore.Material, byte[]> content) {
        List<ApplicationData.Material> out = new ArrayList<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (MaterialStore.Material m : all) {
            if (m.kind() == MaterialStore.Kind.FACE_STILL
                    || m.status() != MaterialStore.Status.RECEIVED
                    || m.requirement() == null) {
                continue;
            }
            int n = counts.merge(m.requirement(), 1, Integer::sum);
            String ext = m.mime().equals("application/pdf") ? ".pdf" : m.mime().equals("image/png") ? ".png" : ".jpg";
            String name = m.fileName() != null && !m.fileName().isBlank()
                    ? m.fileName()
                    : m.requirement()
                            + (n > 1 ? "-" + n : "")
                            + (m.kind() == MaterialStore.Kind.DOCUMENT_STILL ? "-高拍仪" : "")
                            + ext;
            out.add(new ApplicationData.Material(m.requirement(), name, content.apply(m)));
        }
        return out;
    }

    /** Required, non-generated materials with nothing received yet. */
    static List<String> missing(DeclarationForm form, List<MaterialStore.Material> all) {
        List<String> out = new ArrayList<>();
        for (DeclarationForm.Material req : form.materials()) {
            if (!req.required() || req.generated()) {
                continue;
            }
            boolean received = all.stream()
                    .anyMatch(m -> req.key().equals(m.requirement())
                            && m.kind() != MaterialStore.Kind.FACE_STILL
                            && m.status() == MaterialStore.Status.RECEIVED);
            if (!received) {
                out.add(req.key());
            }
        }
        return out;
    }

    private static String text(JsonNode v, String key) {
        JsonNode n = v.get(key);
        return n != null && n.isTextual() ? n.asText() : "";
    }
}
