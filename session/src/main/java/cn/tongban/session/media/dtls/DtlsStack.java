package cn.tongban.session.media.dtls;

import cn.tongban.session.media.srtp.SrtpKeys;
import java.util.concurrent.CompletableFuture;

/**
 * One DTLS 1.2 association for DTLS-SRTP (RFC 5764), wrapping Bouncy Castle. The stack does not touch the
 * network: the transport feeds it the datagrams whose first byte is 20–63 (RFC 7983) with {@link
 * #receive}, and it hands the datagrams it wants sent to the {@link DatagramSink} given at construction.
 *
 * <p>Threading: {@link #start()} runs the blocking Bouncy Castle handshake on the executor given at
 * construction, never on the caller's (I/O) thread. {@link #receive} only enqueues and may be called from
 * any thread. When the handshake completes the future yields the exported SRTP keys; it fails when the
 * handshake fails, including a peer certificate whose fingerprint does not match the signaled one.
 */
public interface DtlsStack extends AutoCloseable {

    /** Receives the datagrams this stack sends. Called on the handshake thread. */
    @FunctionalInterface
    interface DatagramSink {
        void send(byte[] buf, int off, int len);
    }

    /** Sets the peer's certificate fingerprint from its SDP (a=fingerprint:sha-256 ...). */
    void setRemoteFingerprint(String hashFunction, String fingerprint);

    /** Starts the handshake on the handshake executor. */
    CompletableFuture<SrtpKeys> start();

    /**
     * Hands an incoming DTLS record to the stack; copies the bytes.
     *
     * @return false if the record was dropped because the inbound queue is full (a flood)
     */
    boolean receive(byte[] buf, int off, int len);

    /** The completed handshake's keys, or a failed/pending future. */
    CompletableFuture<SrtpKeys> handshake();

    /** Counts datagrams dropped because the inbound queue was full (a flood). */
    long droppedInbound();

    @Override
    void close();
}
