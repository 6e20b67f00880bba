package cn.tongban.signaling.verify;

/**
 * Sends one-time codes by SMS. Deployments use {@link HttpSmsGateway} (the hall's SMS service behind a small
 * HTTP endpoint); the embedded default uses {@link ConsoleSmsGateway}, which only prints codes in the server
 * console, for development.
 */
public interface SmsGateway {

    /** What is sent: the number, the full text, and the code and its validity for template-based services. */
    record Message(String mobile, String text, String code, int validMinutes) {}

    /**
     * Sends {@code message}, blocking until the service accepted it (a few seconds at most). Called on worker
     * threads only.
     *
     * @throws SmsException when the service refused it or could not be reached
     */
    void send(Message message) throws SmsException;

    /** For the start-up log: which gateway, without secrets. */
    String describe();

    /** The service did not accept a message; nothing was sent. */
    final class SmsException extends Exception {
        private static final long serialVersionUID = 1L;

        public SmsException(String message) {
            super(message);
        }

        public SmsException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
