package cn.tongban.signaling.ice;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A minimal TURN client over UDP for tests: Allocate and CreatePermission with long-term credentials
 * (RFC 8489 section 9.2, RFC 8656 sections 7 and 9), enough to see what a TURN server accepts and refuses.
 * One instance is one 5-tuple (one socket), so a permission is asked on the allocation it belongs to.
 */
final class TurnClient implements AutoCloseable {
    static final int ALLOCATE = 0x0003;
    static final int CREATE_PERMISSION = 0x0008;
    private static final int MAGIC_COOKIE = 0x2112A442;
    private static final int USERNAME = 0x0006;
    private static final int MESSAGE_INTEGRITY = 0x0008;
    private static final int ERROR_CODE = 0x0009;
    private static final int XOR_PEER_ADDRESS = 0x0012;
    private static final int REALM = 0x0014;
    private static final int NONCE = 0x0015;
    private static final int XOR_RELAYED_ADDRESS = 0x0016;
    private static final int REQUESTED_TRANSPORT = 0x0019;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A response: its class (success or error), error code (0 on success) and attributes by type. */
    record Response(boolean success, int errorCode, Map<Integer, byte[]> attributes) {
        String text(int type) {
            byte[] v = attributes.get(type);
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        }

        boolean hasRelayedAddress() {
            return attributes.containsKey(XOR_RELAYED_ADDRESS);
        }
    }

    private final DatagramSocket socket;
    private final javax.net.ssl.SSLSocket tls;
    private final InetSocketAddress server;
    private String realm;
    private String nonce;
    private byte[] key;
    private String username;

    /** Over UDP. */
    TurnClient(InetSocketAddress server) throws IOException {
        this.server = server;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.tls = null;
        socket.setSoTimeout(500);
    }

    /**
     * Over TLS ({@code turns:}, RFC 8656 section 3.1), the server's certificate checked against {@code
     * trust} for {@code hostName}.
     */
    TurnClient(InetSocketAddress server, javax.net.ssl.SSLContext trust, String hostName) throws IOException {
        this.server = server;
        this.socket = null;
        java.net.Socket raw = new java.net.Socket();
        raw.connect(server, 5000);
        raw.setSoTimeout(5000);
        this.tls =
                (javax.net.ssl.SSLSocket) trust.getSocketFactory().createSocket(raw, hostName, server.getPort(), true);
        javax.net.ssl.SSLParameters params = tls.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.startHandshake();
    }

    /** The TLS protocol negotiated, or null over UDP. */
    String tlsProtocol() {
        return tls == null ? null : tls.getSession().getProtocol();
    }

    /** Allocate without credentials: the server's challenge (RFC 8489 section 9.2.4: 401 with realm and nonce). */
    Response allocateAnonymously() throws IOException {
        Response r = exchange(ALLOCATE, requestedTransport(), false);
        if (!r.success() && r.errorCode() == 401) {
            realm = r.text(REALM);
            nonce = r.text(NONCE);
        }
        return r;
    }

    /** Allocate with the credentials, after the challenge that tells the realm and nonce. */
    Response allocate(String user, String password) throws IOException {
        Response challenge = allocateAnonymously();
        if (challenge.errorCode() != 401 || realm == null || nonce == null) {
            throw new AssertionError("expected a 401 challenge with realm and nonce, got " + challenge);
        }
        username = user;
        key = md5(user + ":" + realm + ":" + password);
        return exchange(ALLOCATE, requestedTransport(), true);
    }

    /** CreatePermission for a peer address on this client's allocation (RFC 8656 section 9). */
    Response createPermission(InetAddress peer) throws IOException {
        byte[] a = peer.getAddress();
        if (a.length != 4) {
            throw new IllegalArgumentException("IPv4 only");
        }
        ByteBuffer v = ByteBuffer.allocate(8);
        v.put((byte) 0).put((byte) 1).putShort((short) (3478 ^ (MAGIC_COOKIE >>> 16)));
        v.putInt(ByteBuffer.wrap(a).getInt() ^ MAGIC_COOKIE);
        return exchange(CREATE_PERMISSION, attribute(XOR_PEER_ADDRESS, v.array()), true);
    }

    private static byte[] requestedTransport() {
        return attribute(REQUESTED_TRANSPORT, new byte[] {17, 0, 0, 0}); // UDP
    }

    private Response exchange(int method, byte[] attributes, boolean authenticated) throws IOException {
        byte[] txId = new byte[12];
        RANDOM.nextBytes(txId);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(attributes);
        if (authenticated) {
            body.writeBytes(attribute(USERNAME, username.getBytes(StandardCharsets.UTF_8)));
            body.writeBytes(attribute(REALM, realm.getBytes(StandardCharsets.UTF_8)));
            body.writeBytes(attribute(NONCE, nonce.getBytes(StandardCharsets.UTF_8)));
        }
        byte[] request;
        if (authenticated) {
            // MESSAGE-INTEGRITY covers the header with the length that already counts it (RFC 8489 14.5).
            byte[] head = header(method, body.size() + 24, txId);
            byte[] covered = concat(head, body.toByteArray());
            byte[] mac = hmacSha1(key, covered);
            request = concat(covered, attribute(MESSAGE_INTEGRITY, mac));
        } else {
            request = concat(header(method, body.size(), txId), body.toByteArray());
        }
        if (tls != null) {
            // A stream: each message is its header and the length it announces (RFC 8489 section 6.2.2).
            tls.getOutputStream().write(request);
            tls.getOutputStream().flush();
            java.io.DataInputStream in = new java.io.DataInputStream(tls.getInputStream());
            while (true) {
                byte[] head = new byte[20];
                in.readFully(head);
                byte[] m = Arrays.copyOf(head, 20 + (((head[2] & 0xff) << 8) | (head[3] & 0xff)));
                in.readFully(m, 20, m.length - 20);
                Response r = parse(m, txId);
                if (r != null) {
                    return r;
                }
            }
        }
        // Retransmit like a STUN client (RFC 8489 6.2.1), in case a datagram is lost.
        for (int attempt = 0; attempt < 7; attempt++) {
            socket.send(new DatagramPacket(request, request.length, server));
            long deadline = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < deadline) {
                byte[] buf = new byte[2048];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    break;
                }
                Response r = parse(Arrays.copyOf(buf, p.getLength()), txId);
                if (r != null) {
                    return r;
                }
            }
        }
        throw new IOException("no answer from the TURN server at " + server);
    }

    /** The response to {@code txId}, or null when the datagram answers something else. */
    private static Response parse(byte[] m, byte[] txId) {
        if (m.length < 20 || !Arrays.equals(Arrays.copyOfRange(m, 8, 20), txId)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(m);
        int type = b.getShort() & 0xffff;
        int length = b.getShort() & 0xffff;
        b.position(20);
        Map<Integer, byte[]> attributes = new LinkedHashMap<>();
        while (b.position() + 4 <= 20 + length) {
            int t = b.getShort() & 0xffff;
            int l = b.getShort() & 0xffff;
            byte[] v = new byte[l];
            b.get(v);
            b.position(b.position() + ((4 - l % 4) % 4));
            attributes.putIfAbsent(t, v);
        }
        // Class bits C1 C0 (RFC 8489 5): 10 success response, 11 error response.
        int cls = ((type >> 7) & 0x2) | ((type >> 4) & 0x1);
        int code = 0;
        byte[] error = attributes.get(ERROR_CODE);
        if (cls == 3 && error != null && error.length >= 4) {
            code = (error[2] & 0x7) * 100 + (error[3] & 0xff);
        }
        return new Response(cls == 2, code, attributes);
    }

    private static byte[] header(int method, int length, byte[] txId) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) method).putShort((short) length).putInt(MAGIC_COOKIE).put(txId);
        return b.array();
    }

    private static byte[] attribute(int type, byte[] value) {
        int padded = (value.length + 3) / 4 * 4;
        ByteBuffer b = ByteBuffer.allocate(4 + padded);
        b.putShort((short) type).putShort((short) value.length).put(value);
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] md5(String s) {
        try {
            return MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmacSha1(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            return mac.doFinal(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
        if (tls != null) {
            tls.close();
        }
    }
}
