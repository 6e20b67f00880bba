package cn.tongban.signaling.pki;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.signaling.refdata.ReferenceData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens the embedded PKI of a data directory the same way for the server and the command-line tools:
 * keys under {@code <data-dir>/pki}, protected by the password in {@code TONGBAN_PKI_PASSWORD} or, by
 * default, a random one kept in {@code <data-dir>/pki.password} (owner-only); one CA per hall of the
 * reference data (plus any extra halls a tool needs).
 */
public final class PkiSupport {
    /** How long an applicant's session certificate lasts. */
    static final Duration APPLICANT_VALIDITY = Duration.ofDays(7);

    private PkiSupport() {}

    public static EmbeddedPki open(Path dataDir, String baseUrl, ReferenceData refdata, List<PkiConfig.Hall> extra)
            throws IOException {
        Map<String, PkiConfig.Hall> halls = new LinkedHashMap<>();
        for (ReferenceData.Hall h : refdata.halls()) {
            halls.put(h.id(), new PkiConfig.Hall(h.id(), h.name()));
        }
        for (PkiConfig.Hall h : extra) {
            halls.putIfAbsent(h.id(), h);
        }
        return EmbeddedPki.open(new PkiConfig(
                dataDir.resolve("pki"),
                password(dataDir),
                baseUrl,
                new ArrayList<>(halls.values()),
                APPLICANT_VALIDITY));
    }

    static char[] password(Path dataDir) throws IOException {
        String env = System.getenv("TONGBAN_PKI_PASSWORD");
        if (env != null && !env.isBlank()) {
            return env.toCharArray();
        }
        Path file = dataDir.resolve("pki.password");
        if (!Files.exists(file)) {
            Files.createDirectories(dataDir);
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(b));
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // Non-POSIX file system.
            }
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip().toCharArray();
    }
}
