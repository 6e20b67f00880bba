package cn.tongban.signaling.ws;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client that writes frames byte by byte as RFC 6455 lays them out, so a test can send what
 * no well-behaved library would: reserved bits, invalid UTF-8, fragments beyond any limit, a handshake
 * asking for compression. Blocking, for one test thread.
 */
final class RawWebSocket implements AutoCloseable {
    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int CONTINUATION = 0;
    static final int CLOSE = 8;

    /** A frame read from the server. */
    record Frame(int opcode, boolean fin, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame, or -1. */
        int closeCode() {
            return opcode == CLOSE && payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }
    }

    final Socket socket;
    final String responseHead;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket, String responseHead) throws IOException {
        this.socket = socket;
        this.responseHead = responseHead;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** A TCP connection to {@code port} on 127.0.0.1 from {@code from} (any 127.x address works on Linux). */
    static Socket tcp(String from, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /**
     * Opens {@code /ws?v=1} with the upgrade handshake; {@code extraHeaders} are added as they are (each line
     * ending in CRLF). Fails unless the server answers 101.
     */
    static RawWebSocket open(String from, int port, String extraHeaders) throws IOException {
        Socket s = tcp(from, port);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String request = "GET /ws?v=1 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(nonce) + "\r\n" + extraHeaders + "\r\n";
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        String head = readHead(s.getInputStream());
        if (!head.startsWith("HTTP/1.1 101")) {
            s.close();
            throw new IOException("no upgrade: " + head);
        }
        return new RawWebSocket(s, head);
    }

    /** The response head up to the blank line (ISO-8859-1), read byte by byte so no frame byte is consumed. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in the response head: " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Writes one masked frame; {@code rsv1} sets the bit permessage-deflate uses for compressed messages. */
    void send(int opcode, boolean fin, boolean rsv1, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xff);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >>> (8 * i)) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.write(mask);
        byte[] masked = new byte[payload.length];
        for (int i = 0; i < payload.length; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        f.write(masked);
        out.write(f.toByteArray());
        out.flush();
    }

    void sendText(String text) throws IOException {
        send(TEXT, true, false, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The next frame from the server, or null when the connection ended or nothing came within the timeout. */
    Frame read() throws IOException {
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
        } catch (EOFException | SocketTimeoutException e) {
            return null;
        }
    }

    /** Reads frames until a close frame arrives; returns it, or null when the connection ended without one. */
    Frame readUntilClose() throws IOException {
        for (Frame f = read(); f != null; f = read()) {
            if (f.opcode() == CLOSE) {
                return f;
            }
        }
        return null;
    }

    /** Frames until the first text frame whose payload contains {@code needle}, or null. */
    Frame readTextContaining(String needle) throws IOException {
        for (Frame f = read(); f != null; f = read()) {
            if (f.opcode() == TEXT && f.text().contains(needle)) {
                return f;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
