package cn.tongban.signaling.queue;

/** A clerk's status. AVAILABLE and AWAY are chosen by the clerk; BUSY and WRAP_UP by the server. */
public enum ClerkStatus {
    AVAILABLE,
    AWAY,
    BUSY,
    WRAP_UP
}
