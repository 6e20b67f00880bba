package cn.tongban.signaling.media;

import cn.tongban.signaling.protocol.ServerMessage;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chat lines of live sessions, in the cluster ({@code tongban.chat}, one entry per session with a
 * synchronous backup), so that an applicant who reloads the page or a connection that fails over to
 * another node gets the conversation again. Each line has a sequence number within its session; clients
 * drop lines they already show. Lines are dropped when the session ends, and in any case twelve hours
 * after a session's last line (the map's time-to-live, {@code HazelcastFactory}).
 */
public final class ChatHistory {
    /** Lines kept per session; older ones are dropped first. */
    public static final int MAX_LINES = 500;

    /** Stored form of one line. */
    record Line(long seq, String from, String name, String text, long at) {}

    /** Stored form of a session's lines. */
    record Lines(long last, List<Line> lines) {}

    private final IMap<String, Lines> map;

    public ChatHistory(HazelcastInstance hz) {
        this.map = hz.getMap("tongban.chat");
    }

    /** Appends a line and returns it as sent, numbered after every earlier line of the session. */
    public ServerMessage.Chat append(String sessionId, String from, String name, String text, long at) {
        Line line = map.executeOnKey(sessionId, new Append(from, name, text, at));
        return message(sessionId, line);
    }

    /** The session's lines, oldest first. */
    public List<ServerMessage.Chat> lines(String sessionId) {
        Lines l = map.get(sessionId);
        return l == null
                ? List.of()
                : l.lines().stream().map(x -> message(sessionId, x)).toList();
    }

    /** Forgets a session's lines (it ended). */
    public void drop(String sessionId) {
        map.delete(sessionId);
    }

    private static ServerMessage.Chat message(String sessionId, Line l) {
        return new ServerMessage.Chat(sessionId, l.from(), l.name(), l.text(), l.at(), l.seq());
    }

    /** Runs on the entry's owner, so that two lines sent at once through two nodes both get in, in one order. */
    record Append(String from, String name, String text, long at) implements EntryProcessor<String, Lines, Line> {
        @Override
        public Line process(Map.Entry<String, Lines> entry) {
            Lines old = entry.getValue();
            long seq = old == null ? 1 : old.last() + 1;
            Line line = new Line(seq, from, name, text, at);
            List<Line> lines = new ArrayList<>(old == null ? List.of() : old.lines());
            lines.add(line);
            if (lines.size() > MAX_LINES) {
                lines.subList(0, lines.size() - MAX_LINES).clear();
            }
            entry.setValue(new Lines(seq, List.copyOf(lines)));
            return line;
        }
    }
}
