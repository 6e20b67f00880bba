package cn.tongban.signaling.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the applicant's second video (the screen m-line, or the third transceiver peer to peer) shows:
 * the applicant's screen, or a second camera — the document camera (高拍仪) from which the clerk takes
 * stills of paper materials. The applicant alone turns either on and off.
 */
public enum ScreenSource {
    /** A shared screen or window ({@code getDisplayMedia}). */
    @JsonProperty("screen")
    SCREEN,
    /** A second camera pointed at the documents ({@code getUserMedia} with the chosen device). */
    @JsonProperty("document-camera")
    DOCUMENT_CAMERA;

    /** The wire name, as in the protocol and the audit trail. */
    public String wire() {
        return this == SCREEN ? "screen" : "document-camera";
    }
}
