package cn.tongban.signaling.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Why a party's camera sends no picture ({@code camera} with {@code active: false}): the other pages say it
 * in words instead of showing a black video.
 */
public enum CameraReason {
    /** The applicant queued with the microphone only: no camera, or the camera permission was refused. */
    @JsonProperty("no_camera")
    NO_CAMERA,
    /** The call fell back to audio only because video could not be kept over the network. */
    @JsonProperty("poor_network")
    POOR_NETWORK,
    /** The person turned the camera off (关闭摄像头). */
    @JsonProperty("turned_off")
    TURNED_OFF;
}
