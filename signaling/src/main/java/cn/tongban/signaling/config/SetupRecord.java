package cn.tongban.signaling.config;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * What {@code tongban.jar setup} recorded in {@code <data-dir>/setup.properties}: the public URL the hall
 * chose, so that {@code serve} uses it when neither {@code --public-url} nor {@code TONGBAN_PUBLIC_URL} is
 * given — the embedded PKI's first certificates carry it as their issuer, CRL and OCSP locations, and {@code
 * /health} and {@code hello.servers} advertise it — and the hall and administrator it was set up for.
 *
 * @param publicUrl the URL browsers and other halls reach the node at, without a trailing slash
 * @param hallId the hall the data directory was set up for
 * @param admin the first administrator's user name
 * @param setUpAt when, in milliseconds since the epoch
 */
public record SetupRecord(String publicUrl, String hallId, String admin, long setUpAt) {
    public static final String FILE = "setup.properties";

    /** The record of {@code dataDir}, or empty when it was not set up by {@code tongban.jar setup}. */
    public static Optional<SetupRecord> read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        String at = p.getProperty("setUpAt", "0");
        long setUpAt;
        try {
            setUpAt = Long.parseLong(at.strip());
        } catch (NumberFormatException e) {
            throw new IOException(file + ": setUpAt is not a number: " + at, e);
        }
        String url = p.getProperty("publicUrl");
        return Optional.of(new SetupRecord(
                url == null || url.isBlank() ? null : url.strip(),
                p.getProperty("hallId"),
                p.getProperty("admin"),
                setUpAt));
    }

    /** Writes the record into {@code dataDir}. */
    public void write(Path dataDir) throws IOException {
        Properties p = new Properties();
        if (publicUrl != null) {
            p.setProperty("publicUrl", publicUrl);
        }
        p.setProperty("hallId", hallId);
        p.setProperty("admin", admin);
        p.setProperty("setUpAt", Long.toString(setUpAt));
        try (Writer out = Files.newBufferedWriter(dataDir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.store(out, "written by `tongban.jar setup`; --public-url or TONGBAN_PUBLIC_URL given to serve win");
        }
    }
}
