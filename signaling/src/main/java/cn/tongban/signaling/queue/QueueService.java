package cn.tongban.signaling.queue;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionEvent;
import cn.tongban.session.model.SessionLifecycle;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.refdata.ReferenceData;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.flakeidgen.FlakeIdGenerator;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The queue and pairing engine over the cluster's live state. Every state change of a ticket, session
 * or clerk goes through an entry processor on its key, so it is atomic cluster-wide: in particular a
 * ticket is claimed by at most one clerk. Methods block (they call Hazelcast) and must not run on an
 * event loop. Failures are {@link ProtocolException}s with the code to report.
 */
public final class QueueService {
    /** How long a disconnected applicant keeps their ticket (and session) for a resume. */
    public static final long RESUME_GRACE_MS = 120_000;
    /** How long finished tickets and sessions stay in live state before they are dropped. */
    static final long RETAIN_FINISHED_MS = 10 * 60_000;

    private static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
    private static final Comparator<TicketRecord> SERVING_ORDER =
            Comparator.comparing(TicketRecord::returned).reversed().thenComparingLong(TicketRecord::seq);

    private final IMap<String, TicketRecord> tickets;
    private final IMap<String, SessionRecord> sessions;
    private final IMap<String, ClerkPresence> clerks;
    private final IMap<String, String> resumeIndex;
    private final IMap<String, Integer> counters;
    private final IMap<String, Double> serviceSeconds;
    private final FlakeIdGenerator seqs;
    private final Supplier<ReferenceData> refdata;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public QueueService(HazelcastInstance hz, Supplier<ReferenceData> refdata, Clock clock) {
        this.tickets = hz.getMap("tongban.tickets");
        this.sessions = hz.getMap("tongban.sessions");
        this.clerks = hz.getMap("tongban.clerks");
        this.resumeIndex = hz.getMap("tongban.resume");
        this.counters = hz.getMap("tongban.counters");
        this.serviceSeconds = hz.getMap("tongban.service-seconds");
        this.seqs = hz.getFlakeIdGenerator("tongban.ticket-seq");
        this.refdata = refdata;
        this.clock = clock;
    }

    IMap<String, TicketRecord> ticketMap() {
        return tickets;
    }

    // ---------------------------------------------------------------- applicants

    /** A new ticket and the resume token that only the applicant holds. */
    public record Joined(TicketRecord ticket, String resumeToken) {}

    public Joined join(
            String matterId, String hallId, String partnerHallId, String name, String mobile, String connId) {
        ReferenceData data = refdata.get();
        ReferenceData.Matter matter = data.matter(matterId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.UNKNOWN_MATTER, "unknown matter " + matterId));
        if (data.hall(hallId).isEmpty()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_HALL, "unknown hall " + hallId);
        }
        if (partnerHallId != null && data.hall(partnerHallId).isEmpty()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_HALL, "unknown partner hall " + partnerHallId);
        }
        if (!matter.owningHalls().contains(hallId)) {
            throw new ProtocolException(ErrorCode.UNKNOWN_MATTER, "hall " + hallId + " does not handle " + matterId);
        }
        long now = clock.millis();
        String number = nextNumber(hallId, matter.ticketPrefix(), now);
        String token = newToken();
        TicketRecord t = new TicketRecord(
                "t-" + randomHex(8),
                number,
                matterId,
                hallId,
                partnerHallId,
                name,
                mobile,
                seqs.newId(),
                now,
                TicketStatus.WAITING,
                false,
                connId,
                0,
                hash(token),
                null,
                null,
                0);
        tickets.set(t.ticketId(), t);
        resumeIndex.set(t.resumeHash(), t.ticketId());
        return new Joined(t, token);
    }

    /**
     * A resumed ticket with its fresh token; {@code supersededConnId} is an older connection that still
     * held the ticket (to be closed), {@code session} the running session if any.
     */
    public record Resumed(TicketRecord ticket, String resumeToken, String supersededConnId, SessionRecord session) {}

    public Resumed resume(String token, String connId) {
        String oldHash = hash(token);
        String ticketId = resumeIndex.get(oldHash);
        TicketRecord before = ticketId == null ? null : tickets.get(ticketId);
        long now = clock.millis();
        if (before == null
                || before.status().isFinal()
                || !oldHash.equals(before.resumeHash())
                || expired(before, now)) {
            throw new ProtocolException(ErrorCode.RESUME_INVALID, "this ticket can no longer be resumed");
        }
        String newToken = newToken();
        String newHash = hash(newToken);
        TicketRecord after = tickets.executeOnKey(ticketId, (EntryProcessor<String, TicketRecord, TicketRecord>) e -> {
            TicketRecord t = e.getValue();
            if (t == null || t.status().isFinal() || !oldHash.equals(t.resumeHash())) {
                return null;
            }
            TicketRecord updated = t.withResumeHash(newHash).withConnection(connId, 0);
            e.setValue(updated);
            return updated;
        });
        if (after == null) {
            throw new ProtocolException(ErrorCode.RESUME_INVALID, "this ticket can no longer be resumed");
        }
        resumeIndex.delete(oldHash);
        resumeIndex.set(newHash, ticketId);
        String superseded = before.connId() != null && !before.connId().equals(connId) ? before.connId() : null;
        SessionRecord session = null;
        if (after.status() == TicketStatus.IN_SESSION && after.sessionId() != null) {
            session = sessions.get(after.sessionId());
            if (session != null && session.state() != SessionState.ACTIVE) {
                session = null;
            }
        }
        return new Resumed(after, newToken, superseded, session);
    }

    /** The applicant gives up a waiting ticket. */
    public TicketRecord leave(String ticketId, String connId) {
        long now = clock.millis();
        TicketRecord result = tickets.executeOnKey(ticketId, (EntryProcessor<String, TicketRecord, TicketRecord>) e -> {
            TicketRecord t = e.getValue();
            if (t == null || !connId.equals(t.connId()) || t.status() != TicketStatus.WAITING) {
                return null;
            }
            TicketRecord updated = t.ended(TicketStatus.CANCELLED, now);
            e.setValue(updated);
            return updated;
        });
        if (result == null) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "only a waiting ticket can be given up");
        }
        resumeIndex.delete(result.resumeHash());
        return result;
    }

    /** Marks the applicant's connection lost; returns the ticket if this connection held it. */
    public Optional<TicketRecord> applicantDisconnected(String ticketId, String connId) {
        long now = clock.millis();
        return Optional.ofNullable(
                tickets.executeOnKey(ticketId, (EntryProcessor<String, TicketRecord, TicketRecord>) e -> {
                    TicketRecord t = e.getValue();
                    if (t == null || t.status().isFinal() || !connId.equals(t.connId())) {
                        return null;
                    }
                    TicketRecord updated = t.withConnection(null, now);
                    e.setValue(updated);
                    return updated;
                }));
    }

    /** Applicant hangs up. Returns the session (now in wrap-up) and the ticket (done). */
    public SessionRecord applicantHangup(String ticketId, String connId, String sessionId) {
        TicketRecord t = tickets.get(ticketId);
        if (t == null || !sessionId.equals(t.sessionId()) || !connId.equals(t.connId())) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
        }
        SessionRecord s = transition(sessionId, SessionEvent.APPLICANT_HANGUP, "applicant", "hangup", null, null);
        finishTicket(ticketId, sessionId, TicketStatus.DONE);
        setClerkStatus(s.clerkId(), sessionId, ClerkStatus.WRAP_UP);
        return s;
    }

    // ---------------------------------------------------------------- clerks

    /**
     * A clerk signed in; {@code superseded} is a previous connection of the same clerk, if any. When that
     * connection held a live session, the session moves to the new connection ({@code presence} is then
     * {@code BUSY} with the session): a clerk whose node failed, or who reloaded the console, signs in
     * again and carries on.
     */
    public record SignedIn(ClerkPresence presence, ClerkPresence superseded) {
        /** Whether the sign-in took over a live session. */
        public boolean resumedSession() {
            return presence.status() == ClerkStatus.BUSY && presence.sessionId() != null;
        }
    }

    public SignedIn clerkSignedIn(String clerkId, String connId) {
        long now = clock.millis();
        for (int attempt = 0; attempt < 5; attempt++) {
            ClerkPresence previous = clerks.get(clerkId);
            if (previous == null
                    || previous.status() != ClerkStatus.BUSY
                    || previous.sessionId() == null
                    || sessions.get(previous.sessionId()) == null
                    || sessions.get(previous.sessionId()).state() != SessionState.ACTIVE) {
                break;
            }
            ClerkPresence moved = previous.movedTo(connId, now);
            if (clerks.replace(clerkId, previous, moved)) {
                return new SignedIn(moved, previous);
            }
        }
        // A session the clerk left in wrap-up (connection lost before the outcome) is theirs again.
        String owed = sessions.values().stream()
                .filter(x -> clerkId.equals(x.clerkId()) && x.state() == SessionState.WRAP_UP)
                .map(SessionRecord::sessionId)
                .findFirst()
                .orElse(null);
        ClerkPresence fresh = new ClerkPresence(
                clerkId, connId, owed == null ? ClerkStatus.AWAY : ClerkStatus.WRAP_UP, ClerkStatus.AWAY, owed, now);
        ClerkPresence previous = clerks.put(clerkId, fresh);
        return new SignedIn(fresh, previous);
    }

    public ClerkPresence setStatus(String clerkId, String connId, ClerkStatus choice) {
        long now = clock.millis();
        ClerkPresence p = clerks.executeOnKey(clerkId, (EntryProcessor<String, ClerkPresence, ClerkPresence>) e -> {
            ClerkPresence c = e.getValue();
            if (c == null || !connId.equals(c.connId())) {
                return null;
            }
            ClerkPresence updated = c.choose(choice, now);
            e.setValue(updated);
            return updated;
        });
        if (p == null) {
            throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "sign in first");
        }
        return p;
    }

    public Optional<ClerkPresence> presence(String clerkId) {
        return Optional.ofNullable(clerks.get(clerkId));
    }

    /** The outcome of a take: the claimed ticket and the new session. */
    public record Taken(TicketRecord ticket, SessionRecord session) {}

    /** Takes the named ticket, or the next one the clerk is qualified for. */
    public Taken take(String clerkId, String connId, String ticketId) {
        ReferenceData.ClerkProfile profile = refdata.get()
                .clerk(clerkId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.AUTH_FAILED, "unknown clerk"));
        String sessionId = "s-" + randomHex(8);
        long now = clock.millis();
        ClerkPresence reserved =
                clerks.executeOnKey(clerkId, (EntryProcessor<String, ClerkPresence, ClerkPresence>) e -> {
                    ClerkPresence c = e.getValue();
                    if (c == null || !connId.equals(c.connId()) || c.status() != ClerkStatus.AVAILABLE) {
                        return c;
                    }
                    ClerkPresence updated = c.with(ClerkStatus.BUSY, sessionId, now);
                    e.setValue(updated);
                    return updated;
                });
        if (reserved == null || !connId.equals(reserved.connId())) {
            throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "sign in first");
        }
        if (!sessionId.equals(reserved.sessionId())) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE,
                    "you can take a ticket only when available (now "
                            + reserved.status().name().toLowerCase() + ")");
        }
        try {
            TicketRecord claimed =
                    ticketId != null ? claimNamed(profile, ticketId, sessionId) : claimNext(profile, sessionId);
            SessionRecord s = new SessionRecord(
                    sessionId,
                    claimed.ticketId(),
                    clerkId,
                    connId,
                    SessionState.ACTIVE,
                    now,
                    0,
                    null,
                    null,
                    null,
                    null);
            sessions.set(sessionId, s);
            return new Taken(claimed, s);
        } catch (RuntimeException e) {
            releaseReservation(clerkId, sessionId);
            throw e;
        }
    }

    private TicketRecord claimNamed(ReferenceData.ClerkProfile profile, String ticketId, String sessionId) {
        TicketRecord t = tickets.get(ticketId);
        if (t == null || t.status().isFinal()) {
            throw new ProtocolException(ErrorCode.NO_SUCH_TICKET, "no waiting ticket " + ticketId);
        }
        if (!qualified(profile, t)) {
            throw new ProtocolException(ErrorCode.NOT_QUALIFIED, "you do not handle this matter at this hall");
        }
        if (t.status() == TicketStatus.IN_SESSION) {
            throw new ProtocolException(ErrorCode.TICKET_TAKEN, "another clerk took this ticket");
        }
        if (!t.connected()) {
            throw new ProtocolException(ErrorCode.NO_SUCH_TICKET, "the applicant is disconnected");
        }
        TicketRecord claimed = claim(ticketId, sessionId, profile.id());
        if (claimed == null) {
            throw new ProtocolException(ErrorCode.TICKET_TAKEN, "another clerk took this ticket");
        }
        return claimed;
    }

    private TicketRecord claimNext(ReferenceData.ClerkProfile profile, String sessionId) {
        List<TicketRecord> candidates = waitingFor(profile, tickets.values());
        for (TicketRecord t : candidates) {
            if (!t.connected()) {
                continue;
            }
            TicketRecord claimed = claim(t.ticketId(), sessionId, profile.id());
            if (claimed != null) {
                return claimed;
            }
        }
        throw new ProtocolException(ErrorCode.QUEUE_EMPTY, "no applicant is waiting for your matters");
    }

    private TicketRecord claim(String ticketId, String sessionId, String clerkId) {
        return tickets.executeOnKey(ticketId, (EntryProcessor<String, TicketRecord, TicketRecord>) e -> {
            TicketRecord t = e.getValue();
            if (t == null || t.status() != TicketStatus.WAITING || !t.connected()) {
                return null;
            }
            TicketRecord updated = t.inSession(sessionId, clerkId);
            e.setValue(updated);
            return updated;
        });
    }

    private void releaseReservation(String clerkId, String sessionId) {
        long now = clock.millis();
        clerks.executeOnKey(clerkId, (EntryProcessor<String, ClerkPresence, Void>) e -> {
            ClerkPresence c = e.getValue();
            if (c != null && sessionId.equals(c.sessionId())) {
                e.setValue(c.with(c.chosen(), null, now));
            }
            return null;
        });
    }

    /** The clerk ends the session with its outcome (also allowed during wrap-up). */
    public SessionRecord clerkHangup(String clerkId, String sessionId, Outcome outcome, String note) {
        if (outcome == null) {
            throw ProtocolException.invalid("outcome", "a clerk must give the outcome when ending a session");
        }
        requireClerkSession(clerkId, sessionId);
        SessionRecord s = transition(sessionId, SessionEvent.CLERK_HANGUP, "clerk", "hangup", outcome, note);
        finishTicket(s.ticketId(), sessionId, TicketStatus.DONE);
        afterSession(clerkId, sessionId, s);
        return s;
    }

    /** The clerk records the outcome of a session the applicant ended. */
    public SessionRecord recordOutcome(String clerkId, String sessionId, Outcome outcome, String note) {
        requireClerkSession(clerkId, sessionId);
        SessionRecord s = transition(sessionId, SessionEvent.OUTCOME_RECORDED, null, null, outcome, note);
        afterSession(clerkId, sessionId, s);
        return s;
    }

    /** What a lost clerk leaves behind: the aborted session and the ticket sent back to the queue. */
    public record ClerkLost(ClerkPresence presence, SessionRecord session, TicketRecord ticket) {}

    /** The clerk's connection closed. Aborts their session and returns its ticket to the head of the queue. */
    public Optional<ClerkLost> clerkDisconnected(String clerkId, String connId) {
        ClerkPresence removed =
                clerks.executeOnKey(clerkId, (EntryProcessor<String, ClerkPresence, ClerkPresence>) e -> {
                    ClerkPresence c = e.getValue();
                    if (c == null || !connId.equals(c.connId())) {
                        return null;
                    }
                    e.setValue(null);
                    return c;
                });
        if (removed == null) {
            return Optional.empty();
        }
        return Optional.of(abortClerkSession(removed));
    }

    /** Aborts the session of a clerk that is gone (disconnected or superseded by a new sign-in). */
    public ClerkLost abortClerkSession(ClerkPresence gone) {
        if (gone.sessionId() == null) {
            return new ClerkLost(gone, null, null);
        }
        SessionRecord s = sessions.get(gone.sessionId());
        if (s == null || s.state() != SessionState.ACTIVE) {
            // Nothing to abort; a session in wrap-up keeps waiting for the clerk's outcome.
            return new ClerkLost(gone, s, null);
        }
        SessionRecord aborted;
        try {
            aborted = transition(gone.sessionId(), SessionEvent.CLERK_LOST, "server", "clerk_lost", null, null);
        } catch (ProtocolException e) {
            return new ClerkLost(gone, s, null);
        }
        String sessionId = gone.sessionId();
        TicketRecord returned =
                tickets.executeOnKey(s.ticketId(), (EntryProcessor<String, TicketRecord, TicketRecord>) e -> {
                    TicketRecord t = e.getValue();
                    if (t == null || t.status() != TicketStatus.IN_SESSION || !sessionId.equals(t.sessionId())) {
                        return null;
                    }
                    TicketRecord updated = t.backToHead();
                    e.setValue(updated);
                    return updated;
                });
        return new ClerkLost(gone, aborted, returned);
    }

    // ---------------------------------------------------------------- sessions

    public Optional<SessionRecord> session(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    public Optional<TicketRecord> ticket(String ticketId) {
        return Optional.ofNullable(tickets.get(ticketId));
    }

    private void requireClerkSession(String clerkId, String sessionId) {
        SessionRecord s = sessions.get(sessionId);
        if (s == null || !clerkId.equals(s.clerkId())) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
        }
    }

    private SessionRecord transition(
            String sessionId, SessionEvent event, String by, String reason, Outcome outcome, String note) {
        long now = clock.millis();
        Object result = sessions.executeOnKey(sessionId, (EntryProcessor<String, SessionRecord, Object>) e -> {
            SessionRecord s = e.getValue();
            if (s == null) {
                return "gone";
            }
            if (!SessionLifecycle.allows(s.state(), event)) {
                return s.state().name();
            }
            SessionRecord updated = s.apply(event, now, by, reason, outcome, note);
            e.setValue(updated);
            return updated;
        });
        if (result instanceof SessionRecord s) {
            return s;
        }
        if ("gone".equals(result)) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "the session has ended");
        }
        throw new ProtocolException(
                ErrorCode.WRONG_STATE,
                event.name().toLowerCase() + " is not allowed: the session is "
                        + String.valueOf(result).toLowerCase());
    }

    private void finishTicket(String ticketId, String sessionId, TicketStatus status) {
        long now = clock.millis();
        TicketRecord t = tickets.executeOnKey(ticketId, (EntryProcessor<String, TicketRecord, TicketRecord>) e -> {
            TicketRecord cur = e.getValue();
            if (cur == null
                    || !sessionId.equals(cur.sessionId())
                    || cur.status().isFinal()) {
                return null;
            }
            TicketRecord updated = cur.ended(status, now);
            e.setValue(updated);
            return updated;
        });
        if (t != null) {
            resumeIndex.delete(t.resumeHash());
        }
    }

    private void setClerkStatus(String clerkId, String sessionId, ClerkStatus status) {
        long now = clock.millis();
        clerks.executeOnKey(clerkId, (EntryProcessor<String, ClerkPresence, Void>) e -> {
            ClerkPresence c = e.getValue();
            if (c != null && sessionId.equals(c.sessionId())) {
                e.setValue(c.with(status, sessionId, now));
            }
            return null;
        });
    }

    private void afterSession(String clerkId, String sessionId, SessionRecord s) {
        long now = clock.millis();
        clerks.executeOnKey(clerkId, (EntryProcessor<String, ClerkPresence, Void>) e -> {
            ClerkPresence c = e.getValue();
            if (c != null && sessionId.equals(c.sessionId())) {
                e.setValue(c.with(c.chosen(), null, now));
            }
            return null;
        });
        // The clerk is occupied from the take until the outcome is recorded (wrap-up included): that is
        // the service time the wait estimate needs. Absent applicants say nothing about service times.
        if (s.state() == SessionState.CLOSED && s.outcome() != Outcome.ABSENT && now > s.startedAt()) {
            TicketRecord t = tickets.get(s.ticketId());
            if (t != null) {
                recordServiceTime(t.matterId(), (now - s.startedAt()) / 1000.0);
            }
        }
    }

    private void recordServiceTime(String matterId, double seconds) {
        double clipped = Math.max(30, Math.min(7200, seconds));
        serviceSeconds.executeOnKey(matterId, (EntryProcessor<String, Double, Void>) e -> {
            Double prev = e.getValue();
            // Exponentially weighted: recent sessions count most, one odd session does not swing the estimate.
            e.setValue(prev == null ? clipped : prev * 0.8 + clipped * 0.2);
            return null;
        });
    }

    // ---------------------------------------------------------------- housekeeping

    /** What the periodic sweep changed, for the server to notify the people concerned. */
    public record Sweep(List<TicketRecord> expiredWaiting, List<SessionRecord> applicantLost) {}

    /**
     * Expires tickets whose applicant stayed away longer than the grace period (ending their session
     * as {@code applicant_lost}), and drops finished records from live state.
     */
    public Sweep sweep() {
        long now = clock.millis();
        List<TicketRecord> expired = new ArrayList<>();
        List<SessionRecord> lost = new ArrayList<>();
        for (TicketRecord t : tickets.values()) {
            if (t.status().isFinal()) {
                if (now - t.endedAt() > RETAIN_FINISHED_MS) {
                    tickets.delete(t.ticketId());
                    resumeIndex.delete(t.resumeHash());
                }
                continue;
            }
            if (!expired(t, now)) {
                continue;
            }
            TicketRecord done =
                    tickets.executeOnKey(t.ticketId(), (EntryProcessor<String, TicketRecord, TicketRecord>) e -> {
                        TicketRecord cur = e.getValue();
                        if (cur == null || cur.status().isFinal() || !expired(cur, now)) {
                            return null;
                        }
                        TicketRecord updated = cur.ended(TicketStatus.EXPIRED, now);
                        e.setValue(updated);
                        return updated;
                    });
            if (done == null) {
                continue;
            }
            resumeIndex.delete(done.resumeHash());
            if (done.sessionId() != null && t.status() == TicketStatus.IN_SESSION) {
                try {
                    SessionRecord s = transition(
                            done.sessionId(), SessionEvent.APPLICANT_LOST, "server", "applicant_lost", null, null);
                    setClerkStatus(s.clerkId(), s.sessionId(), ClerkStatus.WRAP_UP);
                    lost.add(s);
                } catch (ProtocolException ignored) {
                    // The session ended meanwhile by other means.
                }
            } else {
                expired.add(done);
            }
        }
        for (SessionRecord s : sessions.values()) {
            if (s.state().isEnded() && now - s.endedAt() > RETAIN_FINISHED_MS) {
                sessions.delete(s.sessionId());
            }
        }
        return new Sweep(expired, lost);
    }

    private static boolean expired(TicketRecord t, long now) {
        return t.disconnectedAt() > 0 && now - t.disconnectedAt() > RESUME_GRACE_MS;
    }

    // ---------------------------------------------------------------- views

    /** Waiting tickets a clerk may take, in serving order (returned tickets first, then FIFO). */
    public static List<TicketRecord> waitingFor(ReferenceData.ClerkProfile clerk, Collection<TicketRecord> all) {
        return all.stream()
                .filter(t -> t.isWaiting() && qualified(clerk, t))
                .sorted(SERVING_ORDER)
                .toList();
    }

    static boolean qualified(ReferenceData.ClerkProfile clerk, TicketRecord t) {
        return clerk.hallId().equals(t.hallId()) && clerk.matters().contains(t.matterId());
    }

    /** A consistent view of all queues, computed once and shared by every notification. */
    public QueueView view() {
        return QueueView.of(tickets.values(), clerks.values(), serviceSeconds, refdata.get(), clock.millis());
    }

    // ---------------------------------------------------------------- helpers

    private String nextNumber(String hallId, String prefix, long now) {
        String day =
                LocalDate.ofInstant(java.time.Instant.ofEpochMilli(now), CHINA).format(DAY);
        Integer n = counters.executeOnKey(
                hallId + "|" + prefix + "|" + day, (EntryProcessor<String, Integer, Integer>) e -> {
                    int next = (e.getValue() == null ? 0 : e.getValue()) + 1;
                    e.setValue(next);
                    return next;
                });
        return prefix + (n < 1000 ? String.format("%03d", n) : String.valueOf(n));
    }

    private String newToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String hash(String token) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Average service seconds per matter, as observed (for tests and the estimator). */
    public Map<String, Double> serviceSeconds() {
        return Map.copyOf(serviceSeconds);
    }
}
