package cn.tongban.signaling.media;

import cn.tongban.signaling.protocol.ScreenSource;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bridged sessions in the cluster (Hazelcast map {@code tongban.media}). Every change is an entry
 * processor, so concurrent joins to one session are serialized by its partition and the participant limit
 * holds cluster-wide.
 */
final class MediaRoster {
    /** Why a change was refused; null when it was applied. */
    enum Refusal {
        NO_SESSION,
        FULL,
        ALREADY_IN,
        NOT_IN
    }

    /** The session after a change (or as it was, when refused). */
    record Change(MediaSession session, Refusal refusal) {
        boolean applied() {
            return refusal == null;
        }
    }

    private final IMap<String, MediaSession> sessions;

    MediaRoster(HazelcastInstance hz) {
        this.sessions = hz.getMap("tongban.media");
    }

    Optional<MediaSession> get(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    void create(MediaSession s) {
        sessions.set(s.sessionId(), s);
    }

    /** Removes the session; returns what it was. */
    Optional<MediaSession> delete(String sessionId) {
        return Optional.ofNullable(sessions.remove(sessionId));
    }

    /** The bridged sessions of one owning hall, oldest first. */
    List<MediaSession> ofHall(String hallId) {
        return sessions.values().stream()
                .filter(s -> s.hallId().equals(hallId))
                .sorted(Comparator.comparingLong(MediaSession::startedAt))
                .toList();
    }

    /** The sessions carried by one node's bridge. */
    List<MediaSession> onNode(String node) {
        return sessions.values().stream().filter(s -> s.node().equals(node)).toList();
    }

    /** Adds a person who is not in the session yet, if there is room. */
    Change join(String sessionId, MediaParticipant p) {
        return sessions.executeOnKey(sessionId, new Join(p));
    }

    /**
     * Gives a person present in the session a new endpoint epoch on the given connection (after a resume
     * or reload). The old participant id stops matching at once, so offers still in flight for the old
     * endpoint are not delivered to the new peer connection.
     */
    Change reallocate(String sessionId, String key, String connId) {
        return sessions.executeOnKey(sessionId, new Reallocate(key, connId));
    }

    /** Every bridged session of the cluster. */
    List<MediaSession> all() {
        return List.copyOf(sessions.values());
    }

    /**
     * Moves the session's media from the bridge at {@code from} (whose node left the cluster) to the bridge
     * at {@code to}; refused ({@link Refusal#NOT_IN}: no longer on {@code from}) when another node moved it
     * first, so exactly one node takes each session over.
     */
    Change rehome(String sessionId, String from, String to) {
        return sessions.executeOnKey(sessionId, new Rehome(from, to));
    }

    /** Removes a person (a helper or supervisor leaving). */
    Change leave(String sessionId, String key) {
        return sessions.executeOnKey(sessionId, new Leave(key));
    }

    /** Records an invitation; invitations count towards the participant limit until taken up. */
    Change invite(String sessionId, String clerkId) {
        return sessions.executeOnKey(sessionId, new Invite(clerkId));
    }

    /** Remembers what the applicant's second video shows (null: nothing). */
    void screen(String sessionId, ScreenSource source) {
        sessions.executeOnKey(sessionId, new Screen(source));
    }

    // ---------------------------------------------------------------- the entry processors (MediaSchema)

    /** Adds {@code p} if not in the session yet and there is room. */
    record Join(MediaParticipant p) implements EntryProcessor<String, MediaSession, Change> {
        @Override
        public Change process(Map.Entry<String, MediaSession> e) {
            MediaSession s = e.getValue();
            if (s == null) {
                return new Change(null, Refusal.NO_SESSION);
            }
            if (s.participant(p.key()).isPresent()) {
                return new Change(s, Refusal.ALREADY_IN);
            }
            if (s.participants().size() >= MediaSession.MAX_PARTICIPANTS) {
                return new Change(s, Refusal.FULL);
            }
            MediaSession updated = s.with(p);
            e.setValue(updated);
            return new Change(updated, null);
        }
    }

    /** The person {@code key} gets a new endpoint epoch on {@code connId}. */
    record Reallocate(String key, String connId) implements EntryProcessor<String, MediaSession, Change> {
        @Override
        public Change process(Map.Entry<String, MediaSession> e) {
            MediaSession s = e.getValue();
            if (s == null) {
                return new Change(null, Refusal.NO_SESSION);
            }
            Optional<MediaParticipant> p = s.participant(key);
            if (p.isEmpty()) {
                return new Change(s, Refusal.NOT_IN);
            }
            MediaSession updated = s.with(p.get().reallocated(connId));
            e.setValue(updated);
            return new Change(updated, null);
        }
    }

    /**
     * The person {@code key} lost their connection. No longer sent by this build: marking whoever is the
     * applicant now could hit the connection of a resume that overtook the disconnect (see {@code
     * MediaSessions.applicantDisconnected}). Kept, with its Compact type, for members of the previous build
     * during a rolling upgrade (docs/cluster.md, rule 7).
     */
    record Disconnect(String key) implements EntryProcessor<String, MediaSession, Change> {
        @Override
        public Change process(Map.Entry<String, MediaSession> e) {
            MediaSession s = e.getValue();
            if (s == null) {
                return new Change(null, Refusal.NO_SESSION);
            }
            Optional<MediaParticipant> p = s.participant(key);
            if (p.isEmpty()) {
                return new Change(s, Refusal.NOT_IN);
            }
            MediaSession updated = s.with(p.get().disconnected());
            e.setValue(updated);
            return new Change(updated, null);
        }
    }

    /** The person {@code key} leaves the session. */
    record Leave(String key) implements EntryProcessor<String, MediaSession, Change> {
        @Override
        public Change process(Map.Entry<String, MediaSession> e) {
            MediaSession s = e.getValue();
            if (s == null) {
                return new Change(null, Refusal.NO_SESSION);
            }
            if (s.participant(key).isEmpty()) {
                return new Change(s, Refusal.NOT_IN);
            }
            MediaSession updated = s.without(key);
            e.setValue(updated);
            return new Change(updated, null);
        }
    }

    /** The session moves from the bridge at {@code from} to the one at {@code to}, if still at {@code from}. */
    record Rehome(String from, String to) implements EntryProcessor<String, MediaSession, Change> {
        @Override
        public Change process(Map.Entry<String, MediaSession> e) {
            MediaSession s = e.getValue();
            if (s == null) {
                return new Change(null, Refusal.NO_SESSION);
            }
            if (!s.node().equals(from)) {
                return new Change(s, Refusal.NOT_IN);
            }
            MediaSession updated = s.movedTo(to);
            e.setValue(updated);
            return new Change(updated, null);
        }
    }

    /** Clerk {@code clerkId} is invited, if there is room. */
    record Invite(String clerkId) implements EntryProcessor<String, MediaSession, Change> {
        @Override
        public Change process(Map.Entry<String, MediaSession> e) {
            MediaSession s = e.getValue();
            if (s == null) {
                return new Change(null, Refusal.NO_SESSION);
            }
            if (s.participants().stream().anyMatch(p -> clerkId.equals(p.clerkId()))) {
                return new Change(s, Refusal.ALREADY_IN);
            }
            if (!s.invited().contains(clerkId)
                    && s.participants().size() + s.invited().size() >= MediaSession.MAX_PARTICIPANTS) {
                return new Change(s, Refusal.FULL);
            }
            MediaSession updated = s.invite(clerkId);
            e.setValue(updated);
            return new Change(updated, null);
        }
    }

    /** The applicant's second video now shows {@code source} (null: nothing). */
    record Screen(ScreenSource source) implements EntryProcessor<String, MediaSession, Void> {
        @Override
        public Void process(Map.Entry<String, MediaSession> e) {
            MediaSession s = e.getValue();
            if (s != null) {
                e.setValue(s.withScreen(source));
            }
            return null;
        }
    }
}
