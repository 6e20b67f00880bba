package cn.tongban.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real coturn ({@code turnserver}, Debian's {@code coturn} package) started from the shipped
 * deploy/coturn/turnserver.conf with only what cannot run in a test replaced: its ports (reserved loopback
 * ones), its address (127.0.0.1), the certificate (a throwaway self-signed one made with {@code openssl}),
 * the secret, and syslog (a log file in the test's directory). Each replacement must match exactly once, so
 * a reshaped file fails here instead of being tested half. Loopback peers are then allowed — the test's
 * media bridge and browsers live there — which the shipped file denies.
 */
public final class Coturn implements AutoCloseable {
    /** The line of the shipped file every test replaces; see {@link #start}. */
    private static final String SECRET_LINE = "static-auth-secret=CHANGE-ME-openssl-rand-hex-32";

    /** The name in the throwaway certificate, as in the shipped file's realm. */
    public static final String HOST_NAME = "turn.example.gov.cn";

    private final Process process;
    private final int port;
    private final int tlsPort;
    private final Path log;
    private final Path certificate;

    private Coturn(Process process, int port, int tlsPort, Path log, Path certificate) {
        this.process = process;
        this.port = port;
        this.tlsPort = tlsPort;
        this.log = log;
        this.certificate = certificate;
    }

    /** The {@code turnserver} binary on the PATH, or null when coturn is not installed. */
    public static Path binary() {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin" : path).split(File.pathSeparator)) {
            Path p = Path.of(dir, "turnserver");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Starts coturn with the file at {@code conf} (deploy/coturn/turnserver.conf) in {@code dir}, sharing
     * {@code secret} with the nodes under test; returns once it has started, or fails with its log.
     * {@code extraLines} are appended (e.g. {@code allowed-peer-ip=…}).
     */
    public static Coturn start(Path conf, Path dir, String secret, List<String> extraLines) throws Exception {
        Path binary = binary();
        if (binary == null) {
            throw new IllegalStateException("coturn's turnserver is not installed (apt-get install coturn)");
        }
        Files.createDirectories(dir);
        Path key = dir.resolve("turn-key.pem");
        Path cert = dir.resolve("turn-cert.pem");
        run(List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=" + HOST_NAME,
                "-addext",
                "subjectAltName=DNS:" + HOST_NAME));
        int[] ports = Ports.reserve(2);
        Path log = dir.resolve("turnserver.log");
        String text = Files.readString(conf);
        text = once(text, "listening-port=3478", "listening-port=" + ports[0]);
        text = once(text, "tls-listening-port=443", "tls-listening-port=" + ports[1]);
        text = once(text, "listening-ip=203.0.113.20", "listening-ip=127.0.0.1");
        text = once(text, "external-ip=203.0.113.20", "relay-ip=127.0.0.1");
        text = once(text, SECRET_LINE, "static-auth-secret=" + secret);
        text = once(text, "cert=/etc/coturn/tls/fullchain.pem", "cert=" + cert);
        text = once(text, "pkey=/etc/coturn/tls/privkey.pem", "pkey=" + key);
        text = once(text, "\nsyslog\n", "\nlog-file=" + log + "\nsimple-log\n");
        StringBuilder b = new StringBuilder(text);
        b.append("\n# test only\npidfile=")
                .append(dir.resolve("turnserver.pid"))
                .append('\n');
        b.append("userdb=").append(dir.resolve("turndb")).append('\n');
        // The bridge under test is on loopback, as a bridge on a private address would be in a hall:
        // allowed by address, as deploy/README.md tells operators to do.
        b.append("allow-loopback-peers\nallowed-peer-ip=127.0.0.1\n");
        for (String line : extraLines) {
            b.append(line).append('\n');
        }
        Path file = dir.resolve("turnserver.conf");
        Files.writeString(file, b.toString());
        Process p = new ProcessBuilder(binary.toString(), "-c", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("turnserver.out").toFile())
                .start();
        Coturn coturn = new Coturn(p, ports[0], ports[1], log, cert);
        try {
            // Started: it answers a STUN Binding request on UDP and accepts TCP on the TLS port — or it ended.
            Await.until("coturn listening (log " + log + ")", Duration.ofSeconds(20), () -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("turnserver exited with " + p.exitValue() + ":\n" + coturn.log());
                }
                return answersBinding(ports[0]) && acceptsTcp(ports[1]);
            });
            // coturn starts with options it does not know, saying so only in its log: a misspelt line of the
            // shipped file would silently not apply.
            for (String line : coturn.log().split("\n")) {
                if (line.contains("Bad configuration format") || line.contains("CONFIG ERROR")) {
                    throw new IllegalStateException("coturn refused a line of " + conf + ": " + line.strip());
                }
            }
        } catch (RuntimeException | Error e) {
            coturn.close();
            throw e;
        }
        return coturn;
    }

    /** The TURN port for UDP and TCP on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The TURN-over-TLS port on 127.0.0.1. */
    public int tlsPort() {
        return tlsPort;
    }

    /** The throwaway self-signed certificate of the TLS port (PEM), naming {@link #HOST_NAME}. */
    public Path certificate() {
        return certificate;
    }

    /** What coturn logged so far (its log file and console output). */
    public String log() {
        StringBuilder b = new StringBuilder();
        for (Path f : List.of(log, log.resolveSibling("turnserver.out"))) {
            try {
                if (Files.exists(f)) {
                    b.append(Files.readString(f, StandardCharsets.ISO_8859_1));
                }
            } catch (IOException e) {
                b.append("(cannot read ").append(f).append(": ").append(e).append(")\n");
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a STUN Binding request (RFC 8489 section 5) to 127.0.0.1:port is answered within 200 ms. */
    private static boolean answersBinding(int port) throws IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(200);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(20);
            b.putShort((short) 0x0001).putShort((short) 0).putInt(0x2112A442);
            byte[] txId = new byte[12];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(txId);
            b.put(txId);
            s.send(new java.net.DatagramPacket(
                    b.array(), 20, new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port)));
            byte[] in = new byte[1500];
            s.receive(new java.net.DatagramPacket(in, in.length));
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    private static boolean acceptsTcp(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String once(String text, String from, String to) {
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new IllegalStateException("deploy/coturn/turnserver.conf must have '" + from.strip() + "' once");
        }
        return text.replace(from, to);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed:\n" + out);
        }
    }
}
