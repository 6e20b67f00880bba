package cn.tongban.signaling.media;

import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.schema.Generation;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The chat lines of live sessions, in the cluster, so that an applicant who reloads the page or a connection
 * that fails over to another node gets the conversation again. Each line has a sequence number within its
 * session, one order for lines sent at once through several nodes; clients drop lines they already show.
 * The last {@value #MAX_LINES} lines of a session are kept; they are dropped when the session ends, and in
 * any case twelve hours after they were written (the maps' time-to-live, {@code HazelcastFactory}).
 *
 * <p>Kept as one small entry per session in {@code tongban.chat} (the last sequence number, answered by
 * {@link Next}) and one entry per line in {@code tongban.chat-lines}, keyed {@code <session>#<seq>}: a line
 * costs the same whatever the history holds. Both are ordinary {@code tongban.*} maps, with their
 * synchronous backup, split-brain protection and merge policy — which a Hazelcast ringbuffer per session
 * would have had to be given separately, on every member, and whose per-session distributed objects are
 * created and destroyed cluster-wide. The previous build kept all of a session's lines in its {@code
 * tongban.chat} entry and rewrote them for every line ({@link Append}); while a member of that build is in
 * the cluster, lines are still appended that way, to the same per-session sequence, so no number is given
 * twice (docs/cluster.md, "Chat").
 */
public final class ChatHistory {
    /** Lines kept per session; older ones are dropped first. */
    public static final int MAX_LINES = 500;

    /** Stored form of one line ({@code tongban.ChatLine}). */
    record Line(long seq, String from, String name, String text, long at) {}

    /**
     * A session's entry in {@code tongban.chat} ({@code tongban.ChatLines}): its last sequence number, and the
     * lines appended by members of the previous build (none once every member runs this one).
     */
    record Lines(long last, List<Line> lines) {}

    private final IMap<String, Lines> sessions;
    private final IMap<String, Line> lines;
    private final BooleanSupplier perLine;

    public ChatHistory(HazelcastInstance hz) {
        this(hz, () -> Generation.everyMember(hz, 2));
    }

    /** {@code perLine}: whether every member runs {@link Next} (else lines go the previous build's way). */
    ChatHistory(HazelcastInstance hz, BooleanSupplier perLine) {
        this.sessions = hz.getMap("tongban.chat");
        this.lines = hz.getMap("tongban.chat-lines");
        this.perLine = perLine;
    }

    /** Appends a line and returns it as sent, numbered after every earlier line of the session. */
    public ServerMessage.Chat append(String sessionId, String from, String name, String text, long at) {
        if (!perLine.getAsBoolean()) {
            return message(sessionId, sessions.executeOnKey(sessionId, new Append(from, name, text, at)));
        }
        long seq = sessions.executeOnKey(sessionId, new Next());
        Line line = new Line(seq, from, name, text, at);
        // Stored before anyone is told, so a replay read after a peer saw the line contains it.
        lines.set(key(sessionId, seq), line);
        if (seq > MAX_LINES) {
            // Nobody waits for the oldest line to go: a failed delete leaves it to the time-to-live, and
            // lines() never returns more than the last MAX_LINES.
            lines.removeAsync(key(sessionId, seq - MAX_LINES));
        }
        return message(sessionId, line);
    }

    /** The session's last {@value #MAX_LINES} lines, oldest first. */
    public List<ServerMessage.Chat> lines(String sessionId) {
        Lines head = sessions.get(sessionId);
        if (head == null) {
            return List.of();
        }
        long first = Math.max(1, head.last() - MAX_LINES + 1);
        Map<Long, Line> bySeq = new HashMap<>();
        for (Line l : head.lines()) {
            if (l.seq() >= first) {
                bySeq.put(l.seq(), l);
            }
        }
        Set<String> keys = new HashSet<>();
        for (long seq = first; seq <= head.last(); seq++) {
            if (!bySeq.containsKey(seq)) {
                keys.add(key(sessionId, seq));
            }
        }
        if (!keys.isEmpty()) {
            lines.getAll(keys).values().forEach(l -> bySeq.putIfAbsent(l.seq(), l));
        }
        List<Line> ordered = new ArrayList<>(bySeq.values());
        ordered.sort(Comparator.comparingLong(Line::seq));
        return ordered.stream().map(l -> message(sessionId, l)).toList();
    }

    /** Forgets a session's lines (it ended). Blocking until they are gone. */
    public void drop(String sessionId) {
        Lines head = sessions.remove(sessionId);
        if (head == null) {
            return;
        }
        // Lines are deleted as they fall out of the last MAX_LINES, but those deletes are not waited for:
        // sweep a little further back in case some had not landed.
        long from = Math.max(1, head.last() - MAX_LINES - 50);
        List<CompletableFuture<Line>> deletes = new ArrayList<>();
        for (long seq = from; seq <= head.last(); seq++) {
            deletes.add(lines.removeAsync(key(sessionId, seq)).toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0]))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dropping the chat of " + sessionId, e);
        } catch (Exception e) {
            throw new IllegalStateException("could not drop the chat of " + sessionId, e);
        }
    }

    private static String key(String sessionId, long seq) {
        return sessionId + "#" + seq;
    }

    private static ServerMessage.Chat message(String sessionId, Line l) {
        return new ServerMessage.Chat(sessionId, l.from(), l.name(), l.text(), l.at(), l.seq());
    }

    /**
     * The next sequence number of a session ({@code tongban.chat.Next}): runs on the entry's owner, so two
     * lines sent at once through two nodes get two numbers in one order. Lines the previous build appended
     * to the entry stay there, unchanged.
     */
    record Next() implements EntryProcessor<String, Lines, Long> {
        @Override
        public Long process(Map.Entry<String, Lines> entry) {
            Lines old = entry.getValue();
            long seq = old == null ? 1 : old.last() + 1;
            entry.setValue(new Lines(seq, old == null ? List.of() : old.lines()));
            return seq;
        }
    }

    /**
     * The previous build's append ({@code tongban.chat.Append}): the line into the session's entry, whose
     * lines are copied and rewritten every time. Sent only while a member of that build is in the cluster
     * (which still sends it too); its behaviour must not change.
     */
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
