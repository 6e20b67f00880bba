package cn.tongban.signaling.cluster;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * A node's event-bus identity: its private key, its certificate chain (node, cluster CA) and the cluster
 * CA it trusts. Stored as one PKCS#12 file: a key entry {@code node} and a trusted-certificate entry
 * {@code cluster-ca}.
 *
 * @param key the node's private key
 * @param chain the node certificate first, then the cluster CA
 * @param trustAnchor the cluster CA certificate peers must chain to
 */
public record NodeCredentials(PrivateKey key, List<X509Certificate> chain, X509Certificate trustAnchor) {
    static final String NODE_ALIAS = "node";

    public NodeCredentials {
        chain = List.copyOf(chain);
    }

    /** An in-memory CA and node certificate for a node that has no peers (the single-node default). */
    public static NodeCredentials ephemeral(String nodeName) {
        return ClusterCa.create("ephemeral " + nodeName, Duration.ofDays(3650))
                .issue(nodeName, List.of("127.0.0.1"), Duration.ofDays(3650));
    }

    /** The node certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /**
     * Turns on TLS for the clustered event bus with these credentials: peers must present a certificate
     * issued by the same cluster CA (client authentication required, both directions). Host names are
     * not checked — Vert.x's bus client does not — so the identity a peer proves is "holds a key the
     * cluster CA certified", which is what the bus needs.
     */
    public EventBusOptions applyTo(EventBusOptions bus) {
        return bus.setSsl(true)
                .setClientAuth(ClientAuth.REQUIRED)
                // PEM values, not key-manager objects: Vert.x copies these options through JSON.
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setKeyValue(Buffer.buffer(pem(List.of(key))))
                        .setCertValue(Buffer.buffer(pem(new ArrayList<>(chain)))))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pem(List.of(trustAnchor)))));
    }

    /** Writes the PKCS#12 file a node is started with. */
    public void save(Path file, char[] password) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(NODE_ALIAS, key, password, chain.toArray(Certificate[]::new));
            ks.setCertificateEntry(ClusterCa.CA_ALIAS, trustAnchor);
            ClusterCa.writeAtomically(ks, file, password);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write " + file, e);
        }
    }

    /**
     * Reads and checks a node file: a key entry whose certificate is currently valid and issued by the
     * file's trusted cluster CA. The message of the exception says what is wrong.
     */
    public static NodeCredentials load(Path file, char[] password) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("cannot read " + file);
        }
        KeyStore ks;
        try (InputStream in = Files.newInputStream(file)) {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
        } catch (GeneralSecurityException | IOException e) {
            // KeyStore reports a wrong password as an IOException.
            throw new IOException("cannot read " + file + " (wrong password or not PKCS#12): " + e.getMessage(), e);
        }
        try {
            PrivateKey key = null;
            List<X509Certificate> chain = new ArrayList<>();
            X509Certificate anchor = null;
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias) && key == null) {
                    key = (PrivateKey) ks.getKey(alias, password);
                    for (Certificate c : ks.getCertificateChain(alias)) {
                        chain.add((X509Certificate) c);
                    }
                } else if (ks.isCertificateEntry(alias) && anchor == null) {
                    anchor = (X509Certificate) ks.getCertificate(alias);
                }
            }
            if (key == null || chain.isEmpty()) {
                throw new IOException(file + " holds no node key (make one with: tongban cluster-ca issue)");
            }
            if (anchor == null) {
                throw new IOException(file + " holds no trusted cluster CA certificate");
            }
            X509Certificate node = chain.get(0);
            try {
                node.checkValidity();
                anchor.checkValidity();
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new IOException("the node certificate in " + file + " is not valid now: " + e.getMessage(), e);
            }
            try {
                node.verify(anchor.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new IOException(
                        "the node certificate in " + file + " was not issued by its cluster CA "
                                + anchor.getSubjectX500Principal().getName(),
                        e);
            }
            return new NodeCredentials(key, chain, anchor);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key in " + file + ": " + e.getMessage(), e);
        }
    }

    private static String pem(List<?> objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
