package cn.tongban.signaling.media;

/**
 * Who sent a message, as far as media is concerned.
 *
 * @param connId the sender's connection
 * @param clerkId the signed-in clerk, or null for an applicant
 * @param ticketId the applicant's ticket, or null for a clerk
 */
public record Caller(String connId, String clerkId, String ticketId) {
    public boolean isClerk() {
        return clerkId != null;
    }
}
