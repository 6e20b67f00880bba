package cn.tongban.signaling.ice;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.config.IceOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.testkit.Coturn;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credentials this node issues, against a real coturn running the shipped deploy/coturn/turnserver.conf
 * (ports, address, certificate and secret replaced; see {@link Coturn}): a fresh credential opens a relay;
 * an expired one, none, or one made with another secret does not; and the relay never reaches a private
 * network. Skipped where coturn is not installed ({@code apt-get install coturn}; .ci/run installs it).
 */
class TurnServerTest {
    private static final Path CONF = Path.of("..", "deploy", "coturn", "turnserver.conf");
    private static final String SECRET = HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(32));

    @TempDir
    static Path dir;

    private static Coturn coturn;
    private static InetSocketAddress server;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(
                Coturn.binary() != null,
                "coturn's turnserver is not installed (apt-get install coturn); .ci/run installs it");
        coturn = Coturn.start(CONF, dir, SECRET, List.of());
        server = new InetSocketAddress(InetAddress.getLoopbackAddress(), coturn.port());
    }

    @AfterAll
    static void stop() {
        if (coturn != null) {
            coturn.close();
        }
    }

    private static IceOptions.Turn turn(String secret) {
        return new IceOptions.Turn(List.of("turn:127.0.0.1:" + coturn.port()), secret, Duration.ofHours(4));
    }

    @Test
    void issuedCredentialsOpenARelay() throws Exception {
        ServerMessage.IceServer issued = TurnCredentials.issue(turn(SECRET), Instant.now());
        try (TurnClient c = new TurnClient(server)) {
            TurnClient.Response r = c.allocate(issued.username(), issued.credential());
            assertThat(r.success())
                    .as("Allocate answered %s; coturn log:%n%s", r, coturn.log())
                    .isTrue();
            assertThat(r.hasRelayedAddress()).isTrue();
            // The bridge is on loopback here (allowed for the test); the private ranges stay shut.
            assertThat(c.createPermission(InetAddress.getByName("127.0.0.1")).success())
                    .isTrue();
            for (String denied : List.of("10.1.2.3", "172.16.0.9", "192.168.1.1", "100.64.0.1", "169.254.169.254")) {
                TurnClient.Response p = c.createPermission(InetAddress.getByName(denied));
                assertThat(p.success()).as("permission for %s", denied).isFalse();
                assertThat(p.errorCode()).as("permission for %s", denied).isEqualTo(403);
            }
        }
    }

    @Test
    void turnOverTlsOnTheTlsPortTakesTheSameCredentials() throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = java.nio.file.Files.newInputStream(coturn.certificate())) {
            trust.setCertificateEntry(
                    "coturn",
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory tmf =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        InetSocketAddress tlsPort = new InetSocketAddress(InetAddress.getLoopbackAddress(), coturn.tlsPort());

        ServerMessage.IceServer issued = TurnCredentials.issue(turn(SECRET), Instant.now());
        try (TurnClient c = new TurnClient(tlsPort, tls, Coturn.HOST_NAME)) {
            assertThat(c.tlsProtocol()).isIn("TLSv1.2", "TLSv1.3");
            TurnClient.Response r = c.allocate(issued.username(), issued.credential());
            assertThat(r.success()).as("Allocate over TLS answered %s", r).isTrue();
            assertThat(r.hasRelayedAddress()).isTrue();
        }
        ServerMessage.IceServer old =
                TurnCredentials.issue(turn(SECRET), Instant.now().minus(Duration.ofHours(5)));
        try (TurnClient c = new TurnClient(tlsPort, tls, Coturn.HOST_NAME)) {
            assertThat(c.allocate(old.username(), old.credential()).errorCode()).isEqualTo(401);
        }
    }

    @Test
    void expiredCredentialsAreRefused() throws Exception {
        // Issued five hours ago with a four-hour lifetime: expired an hour ago.
        ServerMessage.IceServer old =
                TurnCredentials.issue(turn(SECRET), Instant.now().minus(Duration.ofHours(5)));
        try (TurnClient c = new TurnClient(server)) {
            TurnClient.Response r = c.allocate(old.username(), old.credential());
            assertThat(r.success()).isFalse();
            assertThat(r.errorCode()).isEqualTo(401);
        }
    }

    @Test
    void noCredentialsAreRefused() throws Exception {
        try (TurnClient c = new TurnClient(server)) {
            TurnClient.Response r = c.allocateAnonymously();
            assertThat(r.success()).isFalse();
            assertThat(r.errorCode()).isEqualTo(401);
        }
    }

    @Test
    void credentialsFromAnotherSecretAreRefused() throws Exception {
        ServerMessage.IceServer forged = TurnCredentials.issue(turn("an-attacker-guessed-this-secret"), Instant.now());
        try (TurnClient c = new TurnClient(server)) {
            TurnClient.Response r = c.allocate(forged.username(), forged.credential());
            assertThat(r.success()).isFalse();
            assertThat(r.errorCode()).isEqualTo(401);
        }
        // A valid credential with its expiry pushed forward is a forgery too: the HMAC covers the expiry.
        ServerMessage.IceServer issued =
                TurnCredentials.issue(turn(SECRET), Instant.now().minus(Duration.ofHours(5)));
        String stretched = (Instant.now().getEpochSecond() + 3600)
                + issued.username().substring(issued.username().indexOf(':'));
        try (TurnClient c = new TurnClient(server)) {
            TurnClient.Response r = c.allocate(stretched, issued.credential());
            assertThat(r.success()).isFalse();
            assertThat(r.errorCode()).isEqualTo(401);
        }
    }
}
