package cn.tongban.signaling.form;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Known answers for the check characters and the field rules; the generators are reused by other tests. */
class FieldRulesTest {
    static final LocalDate TODAY = LocalDate.of(2026, 5, 20);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A valid ID number for a region, birth date and sequence, its check character from the algorithm. */
    static String idNumber(String region, LocalDate birth, int sequence) {
        String first17 = region + birth.toString().replace("-", "") + String.format("%03d", sequence);
        return first17 + IdNumbers.checkChar(first17);
    }

    /** A valid credit code for a prefix of 17 characters from the code's character set. */
    static String creditCode(String first17) {
        return first17 + CreditCodes.checkChar(first17);
    }

    @Test
    void idNumberKnownAnswers() {
        // The two examples printed in GB 11643-1999.
        assertThat(IdNumbers.checkChar("11010519491231002")).isEqualTo('X');
        assertThat(IdNumbers.checkChar("44052418800101001")).isEqualTo('4');
        assertThat(IdNumbers.problem("11010519491231002X", TODAY)).isEmpty();
        // The second example's holder would be 146 years old: the checksum holds, the date is not plausible.
        assertThat(IdNumbers.checksumValid("440524188001010014")).isTrue();
        assertThat(IdNumbers.problem("440524188001010014", TODAY)).contains("id_birth");

        IdNumbers.Parsed p = IdNumbers.parse("11010519491231002X", TODAY).orElseThrow();
        assertThat(p.birthDate()).isEqualTo(LocalDate.of(1949, 12, 31));
        assertThat(p.sex()).isEqualTo(IdNumbers.Sex.FEMALE);
        assertThat(p.regionCode()).isEqualTo("110105");
    }

    @Test
    void idNumberRules() {
        String valid = idNumber("320412", LocalDate.of(1988, 7, 14), 123); // Wujin, odd sequence: male
        assertThat(IdNumbers.problem(valid, TODAY)).isEmpty();
        assertThat(IdNumbers.parse(valid, TODAY).orElseThrow().sex()).isEqualTo(IdNumbers.Sex.MALE);
        // Every other check character is wrong.
        for (char c : "0123456789X".toCharArray()) {
            if (c != valid.charAt(17)) {
                assertThat(IdNumbers.problem(valid.substring(0, 17) + c, TODAY)).contains("id_checksum");
            }
        }
        // A single changed digit is always caught (MOD 11-2 detects all single substitutions).
        for (int i = 0; i < 17; i++) {
            if (i >= 6 && i < 14) {
                continue; // date digits may give an impossible date first
            }
            char d = valid.charAt(i);
            char other = d == '9' ? '1' : (char) (d + 1);
            String changed = valid.substring(0, i) + other + valid.substring(i + 1);
            assertThat(IdNumbers.problem(changed, TODAY))
                    .as("digit %d changed", i)
                    .isPresent();
        }
        assertThat(IdNumbers.problem("32041219880714123", TODAY)).contains("id_format");
        assertThat(IdNumbers.problem(valid.toLowerCase().replace('X', 'x') + "1", TODAY))
                .contains("id_format");
        assertThat(IdNumbers.problem(idNumber("990412", LocalDate.of(1988, 7, 14), 1), TODAY))
                .contains("id_region");
        assertThat(IdNumbers.problem(idNumber("320412", LocalDate.of(2027, 1, 1), 1), TODAY))
                .contains("id_birth");
        String feb30 = "32041219880230123";
        assertThat(IdNumbers.problem(feb30 + IdNumbers.checkChar(feb30), TODAY)).contains("id_birth");
        // A random sample of generated numbers all pass, and all sexes come out right.
        Random r = new Random(7);
        for (int i = 0; i < 500; i++) {
            LocalDate birth = LocalDate.of(1930, 1, 1).plusDays(r.nextInt(90 * 365));
            int seq = r.nextInt(1000);
            String id = idNumber("3" + (1 + r.nextInt(4)) + "0106", birth, seq);
            IdNumbers.Parsed parsed = IdNumbers.parse(id, TODAY).orElseThrow();
            assertThat(parsed.sex()).isEqualTo(seq % 2 == 1 ? IdNumbers.Sex.MALE : IdNumbers.Sex.FEMALE);
        }
    }

    @Test
    void creditCodeKnownAnswersAndRules() {
        // The example of GB 32100-2015.
        assertThat(CreditCodes.problem("91350100M000100Y43")).isEmpty();
        assertThat(CreditCodes.checkChar("91350100M000100Y4")).isEqualTo('3');
        String generated = creditCode("91320412MA1MXXXX0");
        assertThat(CreditCodes.problem(generated)).isEmpty();
        assertThat(CreditCodes.problem("91350100M000100Y44")).contains("uscc_checksum");
        assertThat(CreditCodes.problem("91350100M000100Y4")).contains("uscc_format");
        assertThat(CreditCodes.problem("91350100M000I00Y43"))
                .as("I is not in the set")
                .contains("uscc_format");
        assertThat(CreditCodes.problem("913501O0M000100Y43"))
                .as("O is not in the set")
                .contains("uscc_format");
        assertThat(CreditCodes.problem("91A50100M000100Y43"))
                .as("region must be digits")
                .contains("uscc_format");
        // Check character 0 (sum divisible by 31) comes out as '0', not as the 32nd character.
        Random r = new Random(11);
        int zeros = 0;
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder("91").append(String.format("%06d", r.nextInt(1_000_000)));
            for (int k = 0; k < 9; k++) {
                sb.append(CreditCodes.CHARSET.charAt(r.nextInt(31)));
            }
            String code = creditCode(sb.toString());
            assertThat(CreditCodes.problem(code)).isEmpty();
            zeros += code.charAt(17) == '0' ? 1 : 0;
        }
        assertThat(zeros).isPositive();
    }

    @Test
    void fieldRulesPerType() throws Exception {
        DeclarationForm form = catalogForm();
        ObjectNode v = JSON.createObjectNode();
        assertThat(FieldRules.validate(form, v, TODAY))
                .containsEntry("name", "required")
                .containsEntry("consent", "required")
                .doesNotContainKey("remark")
                .doesNotContainKey("queryPassword");
        v.put("name", "张秀英");
        v.put("sex", "male");
        v.put("idNumber", idNumber("320412", LocalDate.of(1988, 7, 14), 124)); // even: female
        v.put("mobile", "12812345678");
        v.set(
                "address",
                JSON.readTree("{\"province\":\"江苏省\",\"city\":\"常州市\",\"district\":\"武进区\",\"detail\":\"湖塘镇花园街88号\"}"));
        v.put("contractDate", "2026-05-21");
        v.put("area", "118.625");
        v.put("use", "residential");
        v.put("consent", false);
        var errors = FieldRules.validate(form, v, TODAY);
        assertThat(errors)
                .containsEntry("idNumber", "id_sex_mismatch")
                .containsEntry("mobile", "mobile_format")
                .containsEntry("contractDate", "date_range")
                .containsEntry("area", "number_format")
                .containsEntry("consent", "required")
                .doesNotContainKey("address")
                .doesNotContainKey("use");
        v.put("area", "0.5");
        assertThat(FieldRules.validate(form, v, TODAY)).containsEntry("area", "number_range");
        v.set("address", JSON.readTree("{\"province\":\"江苏\",\"city\":\"常州市\",\"district\":\"武进区\",\"detail\":\"x\"}"));
        assertThat(FieldRules.validate(form, v, TODAY)).containsEntry("address", "address_incomplete");

        DeclarationForm.Field contract = form.field("contractNo").orElseThrow();
        assertThat(FieldRules.problem(contract, TextNode.valueOf("WJ-2024-0001"), TODAY))
                .isEmpty();
        assertThat(FieldRules.problem(contract, TextNode.valueOf("<b>"), TODAY)).contains("invalid_chars");
        assertThat(FieldRules.problem(contract, TextNode.valueOf("a b"), TODAY)).contains("pattern");
    }

    @Test
    void draftShapes() {
        DeclarationForm form = catalogForm();
        DeclarationForm.Field use = form.field("use").orElseThrow();
        DeclarationForm.Field pin = form.field("queryPassword").orElseThrow();
        DeclarationForm.Field consent = form.field("consent").orElseThrow();
        DeclarationForm.Field id = form.field("idNumber").orElseThrow();
        // A half-typed ID number is a fine draft, but not a valid value.
        assertThat(FieldRules.shapeProblem(id, TextNode.valueOf("3204"))).isEmpty();
        assertThat(FieldRules.problem(id, TextNode.valueOf("3204"), TODAY)).contains("id_format");
        assertThat(FieldRules.shapeProblem(use, TextNode.valueOf("castle"))).contains("option_unknown");
        assertThat(FieldRules.shapeProblem(consent, TextNode.valueOf("true"))).contains("type");
        assertThat(FieldRules.shapeProblem(pin, TextNode.valueOf("123456"))).contains("sensitive");
        assertThat(FieldRules.shapeProblem(id, TextNode.valueOf("x".repeat(201))))
                .contains("too_long");
        assertThat(FieldRules.shapeProblem(id, TextNode.valueOf("12\u0000"))).contains("invalid_chars");
    }

    @Test
    void theBuiltInFormsLoadForEveryDemoMatter() {
        FormCatalog catalog = FormCatalog.load(
                null,
                List.of(
                        "property-certificate",
                        "business-startup",
                        "social-insurance-transfer",
                        "housing-fund-transfer"));
        assertThat(catalog.all()).hasSize(4);
        for (DeclarationForm f : catalog.all()) {
            assertThat(f.fields().values())
                    .as("%s has a sensitive field and applicant-only consent and intent", f.matterId())
                    .anyMatch(x -> x.type() == FieldType.SENSITIVE)
                    .anyMatch(x -> x.key().equals("consent") && x.applicantOnly() && x.required())
                    .anyMatch(x -> x.key().equals("intent") && x.applicantOnly() && x.required());
            assertThat(f.materials()).anyMatch(DeclarationForm.Material::required);
        }
        assertThat(FormCatalog.load(null, List.of("no-such-matter")).all()).isEmpty();
    }

    @Test
    void badDefinitionsFailLoudly() {
        String good =
                """
                matterId: m1
                matterCode: X-1
                title: T
                steps:
                  - id: s1
                    title: S
                    fields:
                      - {key: a, label: A, type: text}
                """;
        assertThat(parse(good)).isPresent();
        assertThatThrownBy(() -> parse(good.replace("type: text", "type: txet")))
                .hasMessageContaining("t.yaml")
                .hasMessageContaining("txet");
        assertThatThrownBy(() -> parse(good.replace("type: text}", "type: text, colour: red}")))
                .hasMessageContaining("colour");
        assertThatThrownBy(() -> parse(good.replace("type: text}", "type: select}")))
                .hasMessageContaining("field a")
                .hasMessageContaining("options");
        assertThatThrownBy(() -> parse(good.replace("type: text}", "type: text, pattern: \"[\"}")))
                .hasMessageContaining("pattern does not compile");
        assertThatThrownBy(() -> parse(good.replace("type: text}", "type: number, min: 5, max: 1}")))
                .hasMessageContaining("min is greater than max");
        assertThatThrownBy(() -> parse(good.replace(
                        "      - {key: a, label: A, type: text}",
                        "      - {key: a, label: A, type: text}\n      - {key: a, label: B, type: text}")))
                .hasMessageContaining("used twice");
        assertThatThrownBy(() -> parse(good.replace("type: text}", "type: sensitive, applicantOnly: true}")))
                .hasMessageContaining("sensitive");
        assertThatThrownBy(() -> parse(good.replace("type: text}", "type: id-number, sexField: nope}")))
                .hasMessageContaining("sexField");
        assertThatThrownBy(() -> parse(good.replace("title: T\n", ""))).hasMessageContaining("title is missing");
    }

    private static Optional<DeclarationForm> parse(String yaml) {
        try {
            return Optional.of(
                    FormCatalog.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "t.yaml"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static DeclarationForm catalogForm() {
        return FormCatalog.load(null, List.of("property-certificate"))
                .form("property-certificate")
                .orElseThrow();
    }
}
