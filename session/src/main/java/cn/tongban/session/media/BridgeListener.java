package cn.tongban.session.media;

/**
 * Told when the bridge has a new offer for a participant (another participant's tracks appeared or went
 * away). Called on the thread that caused the change, after the bridge released its locks; it may call
 * back into the bridge.
 */
@FunctionalInterface
public interface BridgeListener {
    void offerUpdated(BridgeOffer offer);
}
