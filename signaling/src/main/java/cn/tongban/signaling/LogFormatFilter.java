package cn.tongban.signaling;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Lets an appender of logback.xml write only when it is the log format chosen ({@code TONGBAN_LOG_FORMAT}):
 * both the text and the JSON appender stay referenced (an unreferenced one makes logback print its whole
 * configuration status at every start), and only one of them writes.
 */
public final class LogFormatFilter extends Filter<ILoggingEvent> {
    private String format;
    private String chosen;
    private volatile boolean writes;

    /** The format this appender writes. */
    public void setFormat(String format) {
        this.format = format;
    }

    /** The format chosen for the process. */
    public void setChosen(String chosen) {
        this.chosen = chosen;
    }

    @Override
    public void start() {
        // An empty TONGBAN_LOG_FORMAT (a "NAME=" line in an env file) is logback's value, not unset: text.
        String effective = chosen == null || chosen.isBlank() ? "text" : chosen.strip();
        writes = format != null && format.equals(effective);
        super.start();
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return writes ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
