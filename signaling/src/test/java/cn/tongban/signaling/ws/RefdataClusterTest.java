package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.Main;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.TestPostgres;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of one hall on one PostgreSQL agree on the reference data: the first node's refdata.yaml becomes
 * version 1 (imported once), and a change made with {@code tongban.jar refdata import} while both run is
 * loaded by both within seconds — a hall it adds gets its CA at once (served over HTTP) and a clerk of that
 * hall signs in, without a restart.
 */
@ExtendWith(VertxExtension.class)
class RefdataClusterTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String NEW_HALL = "zj-haining-zwfw";
    private static final String NEW_HALL_NAME = "海宁市政务服务中心";

    @Test
    void aChangeReachesBothNodesAndANewHallWorksAtOnce(
            Vertx vertx, @TempDir Path dirA, @TempDir Path dirB, @TempDir Path secrets) throws Exception {
        String db = TestPostgres.shared().newDatabase();
        try (TwoNodes nodes =
                TwoNodes.start("refdata", dirA, dirB, secrets, db, TestPostgres.USER, TestPostgres.PASSWORD)) {
            assertThat(nodes.a.refdata().version()).isEqualTo(1);
            assertThat(nodes.b.refdata().version()).isEqualTo(1);
            assertThat(rows(db, "SELECT actor FROM audit_event WHERE action = 'refdata.imported'"))
                    .containsExactly("node:node-0");
            assertThat(Files.readString(dirB.resolve("refdata.yaml")))
                    .startsWith("# ==== A COPY: edits to this file are NOT read ====");
            // The new hall is unknown to the PKI so far.
            assertThat(get(nodes.b, "/pki/ca/" + NEW_HALL + ".cer").statusCode())
                    .isEqualTo(404);

            Path edit = dirA.resolve("edit.yaml");
            String[] where = {
                "--data-dir",
                dirA.toString(),
                "--db-url",
                db,
                "--db-user",
                TestPostgres.USER,
                "--db-password",
                TestPostgres.PASSWORD,
                "--secrets",
                secrets.resolve("secrets.p12").toString()
            };
            assertThat(tongban(where, "refdata", "export", "--to", edit.toString()))
                    .isZero();
            String withHall = Files.readString(edit)
                    .replace(
                            "\nhalls:\n",
                            "\nhalls:\n  - id: " + NEW_HALL + "\n    name: " + NEW_HALL_NAME + "\n    province: 浙江省\n")
                    .replace(
                            "\n  list:\n",
                            "\n  list:\n    - id: haining01\n      name: 陈静\n      hallId: " + NEW_HALL + "\n");
            Files.writeString(edit, withHall);
            assertThat(tongban(where, "refdata", "import", edit.toString(), "--by", "zhang", "--expect-version", "1"))
                    .isZero();

            Await.until(
                    "both nodes on version 2",
                    Duration.ofSeconds(15),
                    () -> nodes.a.refdata().version() == 2 && nodes.b.refdata().version() == 2);
            assertThat(nodes.b.refdata().current().hall(NEW_HALL)).isPresent();
            assertThat(ReferenceDataStore.withoutCopyNote(Files.readString(dirB.resolve("refdata.yaml"))))
                    .isEqualTo(withHall);

            // The new hall's CA, served by each node's PKI routes, issued by that node's root.
            for (var node : java.util.List.of(nodes.a, nodes.b)) {
                HttpResponse<byte[]> ca = Await.value(
                        "the CA of " + NEW_HALL,
                        Duration.ofSeconds(10),
                        () -> get(node, "/pki/ca/" + NEW_HALL + ".cer"),
                        r -> r.statusCode() == 200);
                X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(ca.body()));
                assertThat(cert.getSubjectX500Principal().getName()).contains(NEW_HALL_NAME);
                X509Certificate root = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(
                                get(node, "/pki/ca/root.cer").body()));
                cert.verify(root.getPublicKey());
                assertThat(get(node, "/pki/crl/" + NEW_HALL + ".crl").statusCode())
                        .isEqualTo(200);
            }

            // The new hall's clerk: the account is made on reload (the demo's initial password) ...
            Await.until("the account of haining01", Duration.ofSeconds(10), () -> !rows(
                            db, "SELECT username FROM account WHERE username = 'haining01'")
                    .isEmpty());
            // ... and signs in on either node.
            WsTestClient clerk = TwoNodes.clerk(vertx, nodes.b, "haining01", false);
            clerk.close();

            assertThat(rows(db, "SELECT actor FROM audit_event WHERE action = 'refdata.changed'"))
                    .containsExactly("operator:zhang");
        }
    }

    private static HttpResponse<byte[]> get(cn.tongban.signaling.TongbanServer node, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static java.util.List<String> rows(String url, String sql) throws Exception {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, TestPostgres.USER, TestPostgres.PASSWORD);
                PreparedStatement st = c.prepareStatement(sql);
                ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static int tongban(String[] where, String... args) {
        String[] all = java.util.stream.Stream.concat(
                        java.util.stream.Stream.of(args), java.util.stream.Stream.of(where))
                .toArray(String[]::new);
        return new picocli.CommandLine(new Main()).execute(all);
    }
}
