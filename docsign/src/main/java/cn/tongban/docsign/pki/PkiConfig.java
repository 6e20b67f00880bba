package cn.tongban.docsign.pki;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of the embedded PKI.
 *
 * @param dataDir directory that holds {@code pki.p12} and the issuance/revocation logs
 * @param password the PKCS#12 password
 * @param baseUrl public URL prefix of the PKI routes (no trailing slash), written into the
 *     AIA and CRL distribution point extensions, e.g. {@code http://127.0.0.1:8080/pki}
 * @param halls halls that get a CA; new entries are added on the next start
 * @param applicantValidity lifetime of applicant certificates
 * @param external credentials issued by an external CA that take the place of the embedded ones
 *     (a hall's issuing CA, its e-seal, its clerks), or {@code null} for none
 */
public record PkiConfig(
        Path dataDir,
        char[] password,
        String baseUrl,
        List<Hall> halls,
        Duration applicantValidity,
        ExternalCredentials external) {
    public PkiConfig {
        halls = List.copyOf(halls);
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** A configuration with no external credentials. */
    public PkiConfig(Path dataDir, char[] password, String baseUrl, List<Hall> halls, Duration applicantValidity) {
        this(dataDir, password, baseUrl, halls, applicantValidity, null);
    }

    /** One hall: a short id used in URLs and aliases, and its Chinese name. */
    public record Hall(String id, String name) {
        public Hall {
            if (!id.matches("[a-z0-9-]{1,32}")) {
                throw new IllegalArgumentException("hall id must be [a-z0-9-]{1,32}: " + id);
            }
        }
    }

    /** The three Yangtze River Delta demo halls. */
    public static List<Hall> demoHalls() {
        return List.of(
                new Hall("wujin", "常州市武进区政务服务中心"),
                new Hall("gulou", "南京市鼓楼区政务服务中心"),
                new Hall("pudong", "上海市浦东新区市民中心"));
    }
}
