package cn.tongban.signaling.verify;

import cn.tongban.signaling.util.Mask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default's gateway: no SMS leaves the machine, the code is shown in the server console (the
 * log) so that a developer can type it in. Never for a deployment that real applicants reach: it is named in
 * the start-up log as a development gateway, and the number is masked like everywhere else in the log.
 */
public final class ConsoleSmsGateway implements SmsGateway {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSmsGateway.class);

    @Override
    public void send(Message message) {
        LOG.warn(
                "[development SMS gateway] verification code for {}: {} (valid {} minutes; no SMS was sent)",
                Mask.mobile(message.mobile()),
                message.code(),
                message.validMinutes());
    }

    @Override
    public String describe() {
        return "development console gateway (codes are shown in this log, no SMS is sent)";
    }
}
