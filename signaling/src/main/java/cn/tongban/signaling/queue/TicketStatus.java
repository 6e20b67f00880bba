package cn.tongban.signaling.queue;

/** Server-side states of a ticket. */
public enum TicketStatus {
    WAITING,
    IN_SESSION,
    DONE,
    CANCELLED,
    EXPIRED;

    public boolean isFinal() {
        return this == DONE || this == CANCELLED || this == EXPIRED;
    }
}
