package cn.tongban.signaling.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.DocsignError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every refusal a person can meet has its own sentence in both languages: {@code i18n.js} of the web UI
 * (on this module's class path as {@code webroot/assets/i18n.js}) has {@code error.<CODE>} for every
 * {@link ErrorCode} and {@code error.<CODE>.<reason>} for every {@link ErrorReason}, in Chinese and in
 * English, none empty.
 */
class I18nCoverageTest {
    private static final Pattern ENTRY = Pattern.compile("^ {4}'([^']+)':\\s*'((?:[^'\\\\]|\\\\.)*)',?\\s*$");

    @Test
    void everyErrorCodeHasASentenceInBothLanguages() throws IOException {
        Map<String, Map<String, String>> tables = tables();
        assertThat(tables).containsOnlyKeys("zh-CN", "en");
        for (Map.Entry<String, Map<String, String>> table : tables.entrySet()) {
            List<String> missing = new ArrayList<>();
            for (ErrorCode code : ErrorCode.values()) {
                String key = "error." + code.code();
                if (table.getValue().getOrDefault(key, "").isBlank()) {
                    missing.add(key);
                }
            }
            assertThat(missing)
                    .as("error codes without a sentence in %s", table.getKey())
                    .isEmpty();
        }
    }

    @Test
    void everyReasonHasASentenceInBothLanguages() throws IOException {
        Map<String, Map<String, String>> tables = tables();
        for (Map.Entry<String, Map<String, String>> table : tables.entrySet()) {
            List<String> missing = new ArrayList<>();
            for (ErrorReason reason : ErrorReason.values()) {
                String key = "error." + reason.code().code() + "." + reason.wire();
                if (table.getValue().getOrDefault(key, "").isBlank()) {
                    missing.add(key);
                }
            }
            assertThat(missing)
                    .as("reasons without a sentence in %s", table.getKey())
                    .isEmpty();
        }
    }

    /** {@code UPLOAD_REJECTED} names docsign's code as its reason: every file check's code has its sentence. */
    @Test
    void everyRefusalOfAFileHasASentenceInBothLanguages() throws IOException {
        for (Map.Entry<String, Map<String, String>> table : tables().entrySet()) {
            List<String> missing = new ArrayList<>();
            for (DocsignError e : DocsignError.values()) {
                String key = "upload.err." + e.code();
                boolean fileCheck = e.code().startsWith("PDF_") || e.code().startsWith("MATERIAL_");
                if (fileCheck && table.getValue().getOrDefault(key, "").isBlank()) {
                    missing.add(key);
                }
            }
            assertThat(missing)
                    .as("file refusals without a sentence in %s", table.getKey())
                    .isEmpty();
        }
    }

    @Test
    void reasonTokensAreUniquePerCode() {
        Map<String, ErrorReason> seen = new LinkedHashMap<>();
        for (ErrorReason reason : ErrorReason.values()) {
            assertThat(reason.wire()).matches("[a-z][a-z_]*");
            assertThat(seen.put(reason.code() + "." + reason.wire(), reason))
                    .as(reason.name())
                    .isNull();
        }
    }

    /** The string tables of {@code i18n.js} by language: {@code 'zh-CN': {...}} and {@code en: {...}}. */
    static Map<String, Map<String, String>> tables() throws IOException {
        String source;
        try (InputStream in = I18nCoverageTest.class.getClassLoader().getResourceAsStream("webroot/assets/i18n.js")) {
            assertThat(in)
                    .as("webroot/assets/i18n.js on the class path (tongban-web-ui)")
                    .isNotNull();
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Map<String, String>> tables = new LinkedHashMap<>();
        Map<String, String> current = null;
        boolean inStrings = false;
        for (String line : source.split("\n")) {
            if (line.startsWith("const STRINGS = {")) {
                inStrings = true;
                continue;
            }
            if (!inStrings) {
                continue;
            }
            if (line.equals("};")) {
                break;
            }
            Matcher lang = Pattern.compile("^ {2}'?([A-Za-z-]+)'?: \\{$").matcher(line);
            if (lang.matches()) {
                current = new LinkedHashMap<>();
                tables.put(lang.group(1), current);
                continue;
            }
            Matcher entry = ENTRY.matcher(line);
            if (current != null && entry.matches()) {
                assertThat(current.put(entry.group(1), entry.group(2)))
                        .as("key %s twice in one language", entry.group(1))
                        .isNull();
            }
        }
        return tables;
    }
}
