package cn.tongban.signaling.config;

import java.util.Locale;

/** How a session's media flows. */
public enum MediaMode {
    /**
     * Through this server's media bridge ({@code cn.tongban.session.media.Bridge}): the server offers, every
     * participant sends its tracks once and receives the others'; 2–4 participants; recording possible.
     */
    BRIDGE,
    /** Browser to browser: the clerk offers, the server only relays SDP and ICE; two participants. */
    P2P;

    /** The value of {@code hello.media}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
