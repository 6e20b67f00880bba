package cn.tongban.session.media;

/**
 * One participant's bandwidth as the bridge sees it (for diagnostics and tests).
 *
 * @param receiveEstimate what the participant's browser last reported it can receive (its smoothed REMB),
 *     bits per second, or -1 when it has not reported for a few seconds
 * @param sendLimit the bitrate of the last REMB the bridge sent it for its video: what its receivers can
 *     take, bits per second, or -1 when it sends no video
 */
public record Bandwidth(long receiveEstimate, long sendLimit) {}
