package cn.tongban.signaling.form;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The declaration forms of all matters, loaded and validated at start. For each matter of the reference
 * data it reads {@code <data-dir>/forms/<matterId>.yaml} if present, else the built-in {@code
 * tongban/forms/<matterId>.yaml}. An invalid definition stops the server with a message naming the file
 * and the problem (a form must never be half-understood); a matter without any definition has no guided
 * declaration (logged).
 */
public final class FormCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(FormCatalog.class);
    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final Pattern KEY = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,39}");
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
    private static final Set<String> PREFILLS = Set.of("applicant.name", "applicant.mobile");

    private final Map<String, DeclarationForm> forms;

    private FormCatalog(Map<String, DeclarationForm> forms) {
        this.forms = Map.copyOf(forms);
    }

    /** Loads the forms of the given matters; throws {@link IllegalArgumentException} for a bad definition. */
    public static FormCatalog load(Path dataDir, Collection<String> matterIds) {
        Map<String, DeclarationForm> forms = new LinkedHashMap<>();
        for (String matterId : matterIds) {
            Path override = dataDir == null ? null : dataDir.resolve("forms").resolve(matterId + ".yaml");
            try {
                DeclarationForm form;
                String source;
                if (override != null && Files.isRegularFile(override)) {
                    source = override.toString();
                    try (InputStream in = Files.newInputStream(override)) {
                        form = parse(in, source);
                    }
                } else {
                    source = "built-in tongban/forms/" + matterId + ".yaml";
                    try (InputStream in =
                            FormCatalog.class.getResourceAsStream("/tongban/forms/" + matterId + ".yaml")) {
                        if (in == null) {
                            LOG.warn("Matter {} has no declaration form: no guided declaration for it", matterId);
                            continue;
                        }
                        form = parse(in, source);
                    }
                }
                if (!matterId.equals(form.matterId())) {
                    throw new IllegalArgumentException(
                            source + ": matterId is " + form.matterId() + ", expected " + matterId);
                }
                forms.put(matterId, form);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the declaration form of " + matterId + ": " + e, e);
            }
        }
        LOG.info("Loaded {} declaration forms", forms.size());
        return new FormCatalog(forms);
    }

    /** A catalogue of the given forms (validated), for tests and tools. */
    public static FormCatalog of(Collection<DeclarationForm> forms) {
        Map<String, DeclarationForm> map = new LinkedHashMap<>();
        for (DeclarationForm f : forms) {
            validate(f, f.matterId());
            map.put(f.matterId(), f);
        }
        return new FormCatalog(map);
    }

    /** Parses and validates one definition; {@code source} names it in error messages. */
    public static DeclarationForm parse(InputStream yaml, String source) throws IOException {
        DeclarationForm form;
        try {
            form = YAML.readValue(yaml, DeclarationForm.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    source + ": " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (form == null) {
            throw new IllegalArgumentException(source + ": empty definition");
        }
        validate(form, source);
        return form;
    }

    public Optional<DeclarationForm> form(String matterId) {
        return Optional.ofNullable(forms.get(matterId));
    }

    public Collection<DeclarationForm> all() {
        return forms.values();
    }

    // ---------------------------------------------------------------- validation

    static void validate(DeclarationForm form, String source) {
        require(form.matterId() != null && KEY_ID.matcher(form.matterId()).matches(), source, "matterId is missing");
        require(notBlank(form.matterCode()), source, "matterCode is missing");
        require(notBlank(form.title()), source, "title is missing");
        require(form.steps() != null && !form.steps().isEmpty(), source, "a form needs at least one step");
        Set<String> stepIds = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (DeclarationForm.Step step : form.steps()) {
            String where = source + " step " + step.id();
            require(step.id() != null && KEY.matcher(step.id()).matches(), source, "a step has no valid id");
            require(stepIds.add(step.id()), where, "step id used twice");
            require(notBlank(step.title()), where, "title is missing");
            require(!step.fields().isEmpty(), where, "a step needs at least one field");
            for (DeclarationForm.Field f : step.fields()) {
                require(f.key() != null && KEY.matcher(f.key()).matches(), where, "a field has no valid key");
                require(keys.add(f.key()), where, "field key " + f.key() + " used twice");
                validateField(f, where + " field " + f.key());
            }
        }
        Map<String, DeclarationForm.Field> fields = form.fields();
        for (DeclarationForm.Field f : fields.values()) {
            if (f.sexField() != null) {
                String where = source + " field " + f.key();
                require(f.type() == FieldType.ID_NUMBER, where, "sexField belongs on an id-number field");
                DeclarationForm.Field sex = fields.get(f.sexField());
                require(sex != null && sex.type() == FieldType.SELECT, where, "sexField must name a select field");
                Set<String> values = new HashSet<>();
                sex.options().forEach(o -> values.add(o.value()));
                require(
                        values.equals(Set.of("male", "female")),
                        where,
                        "the sex field's options must be male and female");
            }
        }
        if (form.identity() != null) {
            DeclarationForm.Identity id = form.identity();
            DeclarationForm.Field name = fields.get(id.nameField());
            DeclarationForm.Field number = fields.get(id.idField());
            require(name != null && name.type() == FieldType.TEXT, source, "identity.nameField must name a text field");
            require(
                    number != null && number.type() == FieldType.ID_NUMBER,
                    source,
                    "identity.idField must name an id-number field");
            require(
                    id.idCardMaterial() == null
                            || form.materials().stream().anyMatch(m -> m.key().equals(id.idCardMaterial())),
                    source,
                    "identity.idCardMaterial must name a material");
        }
        Set<String> materialKeys = new HashSet<>();
        for (DeclarationForm.Material m : form.materials()) {
            require(m.key() != null && KEY.matcher(m.key()).matches(), source, "a material has no valid key");
            require(materialKeys.add(m.key()), source, "material key " + m.key() + " used twice");
            require(notBlank(m.label()), source + " material " + m.key(), "label is missing");
            require(
                    !(m.generated() && m.required()),
                    source + " material " + m.key(),
                    "a generated material cannot be required (nobody uploads it)");
        }
    }

    private static void validateField(DeclarationForm.Field f, String where) {
        require(notBlank(f.label()), where, "label is missing");
        require(f.type() != null, where, "type is missing");
        FieldType t = f.type();
        require((t == FieldType.SELECT) == (f.options() != null), where, "options belong to select fields only");
        if (t == FieldType.SELECT) {
            require(!f.options().isEmpty(), where, "a select needs options");
            Set<String> values = new HashSet<>();
            for (DeclarationForm.Option o : f.options()) {
                require(notBlank(o.value()) && notBlank(o.label()), where, "an option needs value and label");
                require(values.add(o.value()), where, "option " + o.value() + " used twice");
            }
        }
        if (f.pattern() != null) {
            require(t == FieldType.TEXT || t == FieldType.SENSITIVE, where, "pattern belongs to text fields");
            try {
                Pattern.compile(f.pattern());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(where + ": pattern does not compile: " + e.getDescription());
            }
        }
        if (f.minLength() != null || f.maxLength() != null) {
            require(
                    t == FieldType.TEXT || t == FieldType.SENSITIVE,
                    where,
                    "minLength/maxLength belong to text fields");
            int min = f.minLength() == null ? 0 : f.minLength();
            require(
                    min >= 0 && f.maxChars() >= Math.max(1, min) && f.maxChars() <= FieldRules.HARD_MAX_CHARS,
                    where,
                    "length limits must satisfy 0 <= minLength <= maxLength <= " + FieldRules.HARD_MAX_CHARS);
        }
        if (f.min() != null || f.max() != null || f.scale() != null || f.unit() != null) {
            require(t == FieldType.NUMBER, where, "min/max/scale/unit belong to number fields");
        }
        if (f.min() != null && f.max() != null) {
            require(f.min().compareTo(f.max()) <= 0, where, "min is greater than max");
        }
        if (f.scale() != null) {
            require(f.scale() >= 0 && f.scale() <= 8, where, "scale must be 0..8");
        }
        if (f.notBefore() != null || f.notAfter() != null) {
            require(t == FieldType.DATE, where, "notBefore/notAfter belong to date fields");
            try {
                LocalDate today = LocalDate.of(2000, 1, 1);
                FieldRules.bound(f.notBefore(), today);
                FieldRules.bound(f.notAfter(), today);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(where + ": notBefore/notAfter must be YYYY-MM-DD or today");
            }
        }
        if (f.multiline()) {
            require(t == FieldType.TEXT, where, "multiline belongs to text fields");
        }
        if (f.prefill() != null) {
            require(PREFILLS.contains(f.prefill()), where, "prefill must be one of " + PREFILLS);
            require(t == FieldType.TEXT || t == FieldType.MOBILE, where, "prefill belongs to text or mobile fields");
        }
        if (t == FieldType.SENSITIVE) {
            require(
                    !f.applicantOnly() && !f.personal(),
                    where,
                    "a sensitive field never reaches the server: no applicantOnly/personal");
        }
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static void require(boolean ok, String where, String message) {
        if (!ok) {
            throw new IllegalArgumentException(where + ": " + message);
        }
    }
}
