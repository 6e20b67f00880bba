package cn.tongban.session.media;

import java.util.Map;

/**
 * Read-only view of the bridge's counters. Every dropped packet is counted under the reason it was
 * dropped; nothing is dropped silently.
 */
public interface MediaMetrics {
    long count(MediaCounter counter);

    /** All counters at one moment (each read individually, so not an atomic snapshot). */
    Map<MediaCounter, Long> snapshot();
}
