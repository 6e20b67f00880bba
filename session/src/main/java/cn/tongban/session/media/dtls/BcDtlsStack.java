package cn.tongban.session.media.dtls;

import cn.tongban.session.media.srtp.SrtpKeys;
import cn.tongban.session.media.srtp.SrtpProfile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.SecureRandom;
import java.util.Hashtable;
import java.util.Locale;
import java.util.Vector;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * {@link DtlsStack} on Bouncy Castle's DTLS 1.2 protocol classes. The blocking {@code accept}/{@code
 * connect} runs on the handshake executor; the datagram transport it reads from is a bounded queue fed by
 * {@link #receive}.
 */
public final class BcDtlsStack implements DtlsStack {
    /** Conservative record size: fits a 1280-byte IPv6 minimum MTU after UDP/IP headers. */
    private static final int MTU = 1200;

    private static final int QUEUE_CAPACITY = 64;
    private static final int HANDSHAKE_TIMEOUT_MILLIS = 30_000;
    private static final long POST_HANDSHAKE_READ_NANOS = 20_000_000_000L;
    private static final SrtpProfile[] PREFERENCE = {SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80};
    private static final int[] CIPHER_SUITES = {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    };

    private final boolean server;
    private final DtlsCertificate certificate;
    private final Executor executor;
    private final DatagramSink sink;
    private final BcTlsCrypto crypto = new BcTlsCrypto(new SecureRandom());
    private final BlockingQueue<byte[]> inbound = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final CompletableFuture<SrtpKeys> keys = new CompletableFuture<>();
    private final AtomicLong dropped = new AtomicLong();
    private volatile String remoteFingerprint;
    private volatile boolean closed;
    private volatile boolean drained;
    private volatile DTLSTransport transport;

    private BcDtlsStack(boolean server, DtlsCertificate certificate, Executor executor, DatagramSink sink) {
        this.server = server;
        this.certificate = certificate;
        this.executor = executor;
        this.sink = sink;
    }

    /** The bridge's side: RFC 5763 makes the answerer of an actpass offer the client, so the bridge serves. */
    public static BcDtlsStack server(DtlsCertificate certificate, Executor executor, DatagramSink sink) {
        return new BcDtlsStack(true, certificate, executor, sink);
    }

    /** A DTLS client, as a browser would be; used by tests and the benchmark's simulated senders. */
    public static BcDtlsStack client(DtlsCertificate certificate, Executor executor, DatagramSink sink) {
        return new BcDtlsStack(false, certificate, executor, sink);
    }

    @Override
    public void setRemoteFingerprint(String hashFunction, String fingerprint) {
        if (!"sha-256".equalsIgnoreCase(hashFunction)) {
            throw new IllegalArgumentException("only sha-256 fingerprints are accepted: " + hashFunction);
        }
        this.remoteFingerprint = fingerprint.toUpperCase(Locale.ROOT);
    }

    @Override
    public CompletableFuture<SrtpKeys> start() {
        executor.execute(this::run);
        return keys;
    }

    @Override
    public CompletableFuture<SrtpKeys> handshake() {
        return keys;
    }

    @Override
    public boolean receive(byte[] buf, int off, int len) {
        if (closed || drained) {
            return true;
        }
        byte[] copy = new byte[len];
        System.arraycopy(buf, off, copy, 0, len);
        if (!inbound.offer(copy)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    @Override
    public long droppedInbound() {
        return dropped.get();
    }

    private void run() {
        try {
            if (server) {
                transport = new DTLSServerProtocol().accept(new Server(), new QueueTransport());
            } else {
                transport = new DTLSClientProtocol().connect(new Client(), new QueueTransport());
            }
        } catch (Exception e) {
            keys.completeExceptionally(e);
            return;
        }
        // Keep reading for a while after the handshake: Bouncy Castle answers a peer that retransmits its
        // last flight (because our Finished was lost) only from inside receive(). After that window the
        // thread is released; later DTLS records (a close_notify) are ignored — ICE consent and the
        // signaling server's removeEndpoint end an association, not DTLS alerts.
        byte[] sinkBuf = new byte[MTU];
        long until = System.nanoTime() + POST_HANDSHAKE_READ_NANOS;
        while (!closed && System.nanoTime() < until) {
            try {
                transport.receive(sinkBuf, 0, sinkBuf.length, 1000);
            } catch (IOException e) {
                break;
            }
        }
        drained = true;
        inbound.clear();
    }

    private void verifyPeer(Certificate peer) throws IOException {
        String expected = remoteFingerprint;
        if (peer == null || peer.isEmpty() || expected == null) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "no certificate or no signaled fingerprint");
        }
        String actual = DtlsCertificate.fingerprintOf(peer.getCertificateAt(0).getEncoded());
        if (!actual.equals(expected)) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "fingerprint does not match SDP");
        }
    }

    private TlsCredentialedSigner signer(TlsContext context) throws IOException {
        return new BcDefaultTlsCredentialedSigner(
                new TlsCryptoParameters(context),
                crypto,
                certificate.privateKey(),
                certificate.tlsCertificate(crypto),
                SignatureAndHashAlgorithm.getInstance(
                        org.bouncycastle.tls.HashAlgorithm.sha256, org.bouncycastle.tls.SignatureAlgorithm.ecdsa));
    }

    private void exportKeys(TlsContext context, SrtpProfile profile) {
        byte[] material = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null, SrtpKeys.exportLength(profile));
        keys.complete(SrtpKeys.fromExporter(profile, material));
    }

    private static int[] profileIds() {
        int[] ids = new int[PREFERENCE.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = PREFERENCE[i].id();
        }
        return ids;
    }

    private final class Server extends DefaultTlsServer {
        private SrtpProfile chosen;

        Server() {
            super(crypto);
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
            return signer(context);
        }

        @Override
        public CertificateRequest getCertificateRequest() {
            // RFC 5763 section 5: the peer's certificate is mandatory, it is what the fingerprint pins.
            Vector<?> algs = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
            return new CertificateRequest(
                    new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign}, algs, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            verifyPeer(clientCertificate);
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processClientExtensions(Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            UseSRTPData offered = TlsSRTPUtils.getUseSRTPExtension(clientExtensions);
            if (offered == null) {
                throw new TlsFatalAlert(AlertDescription.handshake_failure, "client did not offer use_srtp");
            }
            for (SrtpProfile p : PREFERENCE) {
                for (int id : offered.getProtectionProfiles()) {
                    if (id == p.id()) {
                        chosen = p;
                        return;
                    }
                }
            }
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "no common SRTP protection profile");
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getServerExtensions() throws IOException {
            Hashtable ext = super.getServerExtensions();
            TlsSRTPUtils.addUseSRTPExtension(ext, new UseSRTPData(new int[] {chosen.id()}, TlsUtils.EMPTY_BYTES));
            return ext;
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return HANDSHAKE_TIMEOUT_MILLIS;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            exportKeys(context, chosen);
        }
    }

    private final class Client extends DefaultTlsClient {
        private SrtpProfile chosen;

        Client() {
            super(crypto);
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getClientExtensions() throws IOException {
            Hashtable ext = super.getClientExtensions();
            TlsSRTPUtils.addUseSRTPExtension(ext, new UseSRTPData(profileIds(), TlsUtils.EMPTY_BYTES));
            return ext;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processServerExtensions(Hashtable serverExtensions) throws IOException {
            super.processServerExtensions(serverExtensions);
            UseSRTPData data = TlsSRTPUtils.getUseSRTPExtension(serverExtensions);
            if (data == null || data.getProtectionProfiles().length != 1) {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, "server did not select use_srtp");
            }
            chosen = SrtpProfile.fromId(data.getProtectionProfiles()[0]);
            if (chosen == null) {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, "unknown SRTP profile");
            }
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return HANDSHAKE_TIMEOUT_MILLIS;
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    verifyPeer(serverCertificate.getCertificate());
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    return signer(context);
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            exportKeys(context, chosen);
        }
    }

    /** The datagram side Bouncy Castle sees: reads from the queue, writes to the sink. */
    private final class QueueTransport implements DatagramTransport {
        @Override
        public int getReceiveLimit() {
            return 1500;
        }

        @Override
        public int getSendLimit() {
            return MTU;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            if (closed) {
                return -1;
            }
            byte[] d;
            try {
                d = inbound.poll(waitMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
            if (d == null) {
                return -1; // Bouncy Castle reads -1 as "timed out, nothing received"
            }
            int n = Math.min(len, d.length);
            System.arraycopy(d, 0, buf, off, n);
            return n;
        }

        @Override
        public void send(byte[] buf, int off, int len) throws IOException {
            if (!closed) {
                sink.send(buf, off, len);
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        DTLSTransport t = transport;
        if (t != null) {
            try {
                t.close();
            } catch (IOException ignored) {
                // The peer may be gone; nothing to tell it.
            }
        }
        keys.completeExceptionally(new IOException("DTLS stack closed"));
    }
}
