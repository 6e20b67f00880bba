package cn.tongban.signaling.config;

import cn.tongban.signaling.protocol.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What browsers are told about STUN and TURN (docs/network.md, "TURN").
 *
 * @param stun STUN servers, given to every connection in {@code hello}
 * @param turn the TURN servers and the secret shared with them, or null for none
 * @param relayOnly whether pages use only relayed candidates ({@code iceTransportPolicy: "relay"})
 */
public record IceOptions(List<ServerMessage.IceServer> stun, Turn turn, boolean relayOnly) {
    /** No STUN, no TURN: host candidates only (a hall's LAN, tests). */
    public static final IceOptions NONE = new IceOptions(List.of(), null, false);

    public IceOptions {
        stun = List.copyOf(stun);
        for (ServerMessage.IceServer s : stun) {
            for (String url : s.urls()) {
                if (!url.startsWith("stun:") && !url.startsWith("stuns:")) {
                    throw new IllegalArgumentException(
                            "not a stun: URL: " + url + " (TURN servers need --turn-url and --turn-secret-file)");
                }
            }
        }
        if (relayOnly && turn == null) {
            throw new IllegalArgumentException("the relay transport policy needs a TURN server (--turn-url)");
        }
    }

    public IceOptions withStun(ServerMessage.IceServer server) {
        List<ServerMessage.IceServer> more = new ArrayList<>(stun);
        more.add(server);
        return new IceOptions(more, turn, relayOnly);
    }

    public IceOptions withTurn(Turn turn) {
        return new IceOptions(stun, turn, relayOnly);
    }

    public IceOptions withRelayOnly(boolean relayOnly) {
        return new IceOptions(stun, turn, relayOnly);
    }

    /**
     * TURN servers that check time-limited credentials derived from a secret they share with this node
     * (coturn's {@code use-auth-secret}; see {@code cn.tongban.signaling.ice.TurnCredentials}).
     *
     * @param urls {@code turn:} and {@code turns:} URLs, e.g. {@code turns:turn.example.gov.cn:443?transport=tcp}
     * @param secret coturn's {@code static-auth-secret}; never logged ({@link #toString} leaves it out)
     * @param ttl how long a credential opens allocations; connections get a new set at half of it
     */
    public record Turn(List<String> urls, String secret, Duration ttl) {
        /** Shorter secrets are refused: the credential is an HMAC that anyone may try to forge offline. */
        public static final int MIN_SECRET_BYTES = 16;

        public Turn {
            urls = List.copyOf(urls);
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("a TURN server needs at least one turn: or turns: URL");
            }
            for (String url : urls) {
                if (!url.startsWith("turn:") && !url.startsWith("turns:")) {
                    throw new IllegalArgumentException("not a turn: or turns: URL: " + url);
                }
            }
            if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("the TURN secret must have at least " + MIN_SECRET_BYTES
                        + " bytes (e.g. openssl rand -hex 32)");
            }
            if (secret.startsWith("CHANGE-ME")) {
                throw new IllegalArgumentException(
                        "the TURN secret is the placeholder of deploy/coturn/turnserver.conf; generate one"
                                + " (openssl rand -hex 32) and put it in both places");
            }
            if (ttl.compareTo(Duration.ofSeconds(2)) < 0) {
                throw new IllegalArgumentException("the TURN credential lifetime must be at least 2 s");
            }
        }

        @Override
        public String toString() {
            return "Turn[urls=" + urls + ", secret=(hidden), ttl=" + ttl + "]";
        }
    }
}
