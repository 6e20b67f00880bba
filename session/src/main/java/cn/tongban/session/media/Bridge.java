package cn.tongban.session.media;

import cn.tongban.session.media.impl.BridgeImpl;
import cn.tongban.session.media.recording.RecordingManifest;
import cn.tongban.session.media.sdp.SdpException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The media bridge: a selective forwarding unit for the sessions of one server. Every participant has one
 * endpoint (ICE + DTLS + SRTP over the bridge's single UDP port); each participant's audio, camera and
 * screen are forwarded to the other participants of the same session.
 *
 * <p>Signaling flow per participant:
 *
 * <ol>
 *   <li>{@link #allocateEndpoint} returns the bridge's offer;
 *   <li>the browser applies it, attaches its tracks to the {@link BridgeOffer#uploadMids() upload m-lines}
 *       and answers; the server hands the answer to {@link #setRemoteDescription};
 *   <li>whenever other participants join or leave, {@link BridgeListener#offerUpdated} delivers a new
 *       offer, which the browser answers the same way;
 *   <li>{@link #removeEndpoint} when the participant leaves.
 * </ol>
 *
 * <p>Threading: the control methods are thread-safe and return quickly (no network round trip; the DTLS
 * handshake runs on the bridge's own threads). Media never passes through the caller's threads.
 */
public interface Bridge extends AutoCloseable {

    /** Binds the UDP port and warms up ICE; takes a second or two. */
    static Bridge create(BridgeConfig config) throws IOException {
        return BridgeImpl.start(config);
    }

    /**
     * Creates the participant's endpoint in the session (creating the session on first use).
     *
     * @throws IllegalStateException if the participant already has an endpoint in this session
     */
    BridgeOffer allocateEndpoint(String sessionId, String participantId, Role role);

    /**
     * Applies the participant's answer to the latest offer. The first answer starts ICE and the DTLS
     * handshake (on the bridge's threads); later ones update which SSRCs the participant sends, and may
     * produce new offers for the others ({@link BridgeListener}).
     *
     * @throws SdpException if the answer is unusable (no ICE credentials, no sha-256 fingerprint, a DTLS
     *     role other than {@code active}, malformed SSRCs); the endpoint is left as it was
     * @throws IllegalArgumentException if the participant has no endpoint in the session
     */
    void setRemoteDescription(String sessionId, String participantId, String sdpAnswer) throws SdpException;

    /** The latest offer for a participant, e.g. after a reconnect. */
    BridgeOffer currentOffer(String sessionId, String participantId);

    /** Frees the endpoint; the others receive offers without its tracks. Unknown ids are ignored. */
    void removeEndpoint(String sessionId, String participantId);

    void addListener(BridgeListener listener);

    /** Asks the participant to send a keyframe on its camera and screen tracks (RTCP PLI). */
    void requestKeyframe(String sessionId, String participantId);

    /**
     * Starts recording every uploaded track of the session into per-track WebM files under {@code
     * directory} (policy decides per matter; the applicant must be told). Senders are asked for keyframes
     * so video files start decodable. Recording runs on its own queues and threads, off the forwarding
     * path.
     *
     * @throws IllegalStateException if the session is already being recorded
     */
    void startRecording(String sessionId, Path directory) throws IOException;

    /** Stops the recording, finishes the files and writes {@code manifest.json} with their SHA-256. */
    RecordingManifest stopRecording(String sessionId) throws IOException;

    MediaMetrics metrics();

    /** What the participant's browser reports it can receive, and what the bridge lets it send. */
    Bandwidth bandwidth(String sessionId, String participantId);

    /** The UDP port actually bound. */
    int port();

    @Override
    void close();
}
