package cn.tongban.signaling.queue;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionEvent;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.RoutingConfig;
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
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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

    private static final long CLAIM_GRACE_MS = 30_000;

    private static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    private final IMap<String, TicketRecord> tickets;
    private final QueueIndex index;
    // Mobile number -> "ticketId claimedAt" of the number's latest ticket (oneTicketPerMobile only).
    private final IMap<String, String> mobileTickets;
    private final boolean oneTicketPerMobile;
    private final IMap<String, SessionRecord> sessions;
    private final IMap<String, ClerkPresence> clerks;
    private final IMap<String, String> resumeIndex;
    private final IMap<String, Integer> counters;
    private final IMap<String, ServiceTimeEstimate> serviceTime;
    private final FlakeIdGenerator seqs;
    private final Supplier<ReferenceData> refdata;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public QueueService(HazelcastInstance hz, Supplier<ReferenceData> refdata, Clock clock) {
        this(hz, refdata, clock, false);
    }

    /**
     * With {@code oneTicketPerMobile}, a mobile number holds at most one live ticket at a time ({@code
     * MOBILE_HAS_TICKET}): on servers that verify applicants' numbers, so that one verified number cannot
     * fill a queue.
     */
    public QueueService(
            HazelcastInstance hz, Supplier<ReferenceData> refdata, Clock clock, boolean oneTicketPerMobile) {
        this.oneTicketPerMobile = oneTicketPerMobile;
        this.mobileTickets = hz.getMap("tongban.mobile-tickets");
        this.tickets = hz.getMap("tongban.tickets");
        this.index = QueueIndex.attach(hz, tickets);
        this.sessions = hz.getMap("tongban.sessions");
        this.clerks = hz.getMap("tongban.clerks");
        this.resumeIndex = hz.getMap("tongban.resume");
        this.counters = hz.getMap("tongban.counters");
        this.serviceTime = hz.getMap("tongban.service-time");
        this.seqs = hz.getFlakeIdGenerator("tongban.ticket-seq");
        this.refdata = refdata;
        this.clock = clock;
    }

    IMap<String, TicketRecord> ticketMap() {
        return tickets;
    }

    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * This node drains before it stops: its clerks take no new ticket ({@code NODE_DRAINING}); sessions
     * running go on, and applicants may still join (their tickets outlive the stop, see {@link QueueSnapshot}).
     */
    public void startDraining() {
        draining.set(true);
    }

    /** Whether this node drains ({@link #startDraining}). */
    public boolean draining() {
        return draining.get();
    }

    /** Sessions in progress (active, or in wrap-up) whose clerk is connected through a connection id with {@code connPrefix}. */
    public int liveSessions(String connPrefix) {
        int n = 0;
        for (SessionRecord s : sessions.values()) {
            if ((s.state() == SessionState.ACTIVE || s.state() == SessionState.WRAP_UP)
                    && s.clerkConnId() != null
                    && s.clerkConnId().startsWith(connPrefix)) {
                n++;
            }
        }
        return n;
    }

    /** Whether the cluster holds any ticket (a fresh cluster after a full stop holds none). */
    public boolean hasTickets() {
        return !tickets.isEmpty();
    }

    /** The waiting tickets, for {@link QueueSnapshot} when the cluster's last member stops. */
    List<TicketRecord> waitingTickets() {
        List<TicketRecord> out = new ArrayList<>();
        for (TicketRecord t : tickets.values()) {
            if (t.isWaiting()) {
                out.add(t);
            }
        }
        return out;
    }

    /** The ticket-number counters (per hall, prefix and day), for {@link QueueSnapshot}. */
    Map<String, Integer> numberCounters() {
        return new java.util.HashMap<>(counters);
    }

    /**
     * Puts saved waiting tickets back, disconnected as of {@code now} (so each applicant has the full resume
     * grace to come back with their token, to the same place: the serving order is the saved {@code seq}), with
     * their number, resume and mobile indexes, and the number counters (never lowered).
     */
    void restoreWaiting(List<TicketRecord> waiting, Map<String, Integer> numbers) {
        long now = clock.millis();
        numbers.forEach((k, v) -> counters.merge(k, v, Math::max));
        for (TicketRecord saved : waiting) {
            TicketRecord t = saved.withConnection(null, now);
            tickets.set(t.ticketId(), t);
            index.result(t);
            resumeIndex.set(t.resumeHash(), t.ticketId());
            if (oneTicketPerMobile) {
                mobileTickets.set(t.mobile(), t.ticketId() + " " + now, 1, TimeUnit.DAYS);
            }
        }
    }

    /** Runs a ticket's entry processor and shows its result to this node's index at once. */
    private TicketRecord change(String ticketId, EntryProcessor<String, TicketRecord, TicketRecord> processor) {
        TicketRecord result = tickets.executeOnKey(ticketId, processor);
        index.result(result);
        return result;
    }

    // ---------------------------------------------------------------- applicants

    /** A new ticket and the resume token that only the applicant holds. */
    public record Joined(TicketRecord ticket, String resumeToken) {}

    /**
     * What an applicant asks for. {@code language} null means the default language; {@code priorityGroup}
     * is a claim (checked by the clerk later); {@code appointmentId}/{@code appointmentAt} come from an
     * appointment already checked in (see {@code appointment.AppointmentService}).
     */
    public record JoinRequest(
            String matterId,
            String hallId,
            String partnerHallId,
            String name,
            String mobile,
            String language,
            String priorityGroup,
            String appointmentId,
            long appointmentAt) {
        public JoinRequest(String matterId, String hallId, String partnerHallId, String name, String mobile) {
            this(matterId, hallId, partnerHallId, name, mobile, null, null, null, 0);
        }
    }

    public Joined join(
            String matterId, String hallId, String partnerHallId, String name, String mobile, String connId) {
        return join(new JoinRequest(matterId, hallId, partnerHallId, name, mobile), connId);
    }

    /**
     * Checks a join request against the reference data without issuing anything: unknown matter, hall,
     * language or priority group, or a language no clerk for the matter at that hall (or a partner hall by
     * agreement) speaks.
     */
    public void validate(JoinRequest r) {
        ReferenceData data = refdata.get();
        ReferenceData.Matter matter = data.matter(r.matterId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.UNKNOWN_MATTER, "unknown matter " + r.matterId()));
        if (data.hall(r.hallId()).isEmpty()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_HALL, "unknown hall " + r.hallId());
        }
        if (r.partnerHallId() != null && data.hall(r.partnerHallId()).isEmpty()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_HALL, "unknown partner hall " + r.partnerHallId());
        }
        if (!matter.owningHalls().contains(r.hallId())) {
            throw new ProtocolException(
                    ErrorCode.UNKNOWN_MATTER, "hall " + r.hallId() + " does not handle " + r.matterId());
        }
        RoutingConfig config = data.routing();
        if (r.language() != null && config.language(r.language()).isEmpty()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_LANGUAGE, "unknown language " + r.language());
        }
        if (r.priorityGroup() != null && config.priorityGroup(r.priorityGroup()).isEmpty()) {
            throw new ProtocolException(
                    ErrorCode.UNKNOWN_PRIORITY_GROUP, "unknown priority group " + r.priorityGroup());
        }
        String language = r.language() == null ? config.defaultLanguage().id() : r.language();
        boolean served = data.clerks().stream()
                .anyMatch(c -> c.matters().contains(r.matterId())
                        && config.speaks(c, language)
                        && (c.hallId().equals(r.hallId())
                                || config.agreementCovers(c.hallId(), r.hallId(), r.matterId())));
        if (!served) {
            throw new ProtocolException(
                    ErrorCode.LANGUAGE_NOT_OFFERED,
                    "no clerk serves " + r.matterId() + " at " + r.hallId() + " in " + language);
        }
    }

    public Joined join(JoinRequest r, String connId) {
        validate(r);
        ReferenceData data = refdata.get();
        ReferenceData.Matter matter = data.matter(r.matterId()).orElseThrow();
        String language =
                r.language() == null ? data.routing().defaultLanguage().id() : r.language();
        long now = clock.millis();
        String ticketId = "t-" + randomHex(8);
        String claim = oneTicketPerMobile ? claimMobile(r.mobile(), ticketId, now) : null;
        try {
            return issue(r, connId, matter, language, ticketId, now);
        } catch (RuntimeException e) {
            if (claim != null) {
                // Nothing was issued (e.g. the cluster lost its quorum): the number is free again.
                try {
                    mobileTickets.remove(r.mobile(), claim);
                } catch (RuntimeException alsoFailed) {
                    e.addSuppressed(alsoFailed);
                }
            }
            throw e;
        }
    }

    private Joined issue(
            JoinRequest r, String connId, ReferenceData.Matter matter, String language, String ticketId, long now) {
        String hallId = r.hallId();
        String number = nextNumber(hallId, matter.ticketPrefix(), now);
        String token = newToken();
        TicketRecord t = new TicketRecord(
                ticketId,
                number,
                r.matterId(),
                hallId,
                r.partnerHallId(),
                r.name(),
                r.mobile(),
                seqs.newId(),
                now,
                TicketStatus.WAITING,
                false,
                connId,
                0,
                hash(token),
                null,
                null,
                0,
                language,
                r.priorityGroup(),
                r.appointmentId(),
                r.appointmentAt(),
                null,
                1);
        tickets.set(t.ticketId(), t);
        index.result(t);
        resumeIndex.set(t.resumeHash(), t.ticketId());
        return new Joined(t, token);
    }

    /**
     * Makes {@code ticketId} the number's ticket, unless the number holds a live one: a ticket not final and
     * not expired, or a claim of the last half minute whose ticket is being issued right now (on any node).
     */
    private String claimMobile(String mobile, String ticketId, long now) {
        String claim = ticketId + " " + now;
        for (int tries = 0; tries < 5; tries++) {
            String held = mobileTickets.putIfAbsent(mobile, claim, 1, TimeUnit.DAYS);
            if (held == null) {
                return claim;
            }
            int space = held.indexOf(' ');
            String heldTicket = space < 0 ? held : held.substring(0, space);
            long claimedAt = space < 0 ? 0 : parseLong(held.substring(space + 1));
            TicketRecord t = tickets.get(heldTicket);
            boolean live =
                    t == null ? now - claimedAt < CLAIM_GRACE_MS : !t.status().isFinal() && !expired(t, now);
            if (live) {
                throw new ProtocolException(
                        ErrorCode.MOBILE_HAS_TICKET,
                        "this mobile number already holds a ticket (" + (t == null ? "just issued" : t.number()) + ")");
            }
            mobileTickets.remove(mobile, held);
        }
        throw new ProtocolException(ErrorCode.MOBILE_HAS_TICKET, "this mobile number already holds a ticket");
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
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
        TicketRecord after = change(ticketId, new QueueProcessors.Resume(oldHash, newHash, connId));
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
        TicketRecord result = change(ticketId, new QueueProcessors.Leave(connId, now));
        if (result == null) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "only a waiting ticket can be given up");
        }
        resumeIndex.delete(result.resumeHash());
        return result;
    }

    /** Marks the applicant's connection lost; returns the ticket if this connection held it. */
    public Optional<TicketRecord> applicantDisconnected(String ticketId, String connId) {
        long now = clock.millis();
        return Optional.ofNullable(change(ticketId, new QueueProcessors.Disconnect(connId, now)));
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
            // Conditioned on the connection and session read above, like a compare-and-set; not a
            // replace(key, old, new), which compares serialized bytes and so fails on an entry a member of
            // another build wrote (RollingUpgradeTest).
            ClerkPresence replaced = clerks.executeOnKey(
                    clerkId, new QueueProcessors.TakeOver(previous.connId(), previous.sessionId(), connId, now));
            if (replaced != null) {
                return new SignedIn(replaced.movedTo(connId, now), replaced);
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
        ClerkPresence p = clerks.executeOnKey(clerkId, new QueueProcessors.Choose(connId, choice, now));
        if (p == null) {
            throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "sign in first");
        }
        return p;
    }

    public Optional<ClerkPresence> presence(String clerkId) {
        return Optional.ofNullable(clerks.get(clerkId));
    }

    /**
     * The outcome of a take: the claimed ticket and the new session; {@code overflow} when the clerk took
     * a partner hall's ticket because that queue overflowed.
     */
    public record Taken(TicketRecord ticket, SessionRecord session, boolean overflow) {
        public Taken(TicketRecord ticket, SessionRecord session) {
            this(ticket, session, false);
        }
    }

    /** Takes the named ticket, or the next one the clerk is qualified for. */
    public Taken take(String clerkId, String connId, String ticketId) {
        if (draining.get()) {
            throw new ProtocolException(
                    ErrorCode.NODE_DRAINING, "this server is about to restart: it starts no new session");
        }
        ReferenceData.ClerkProfile profile = refdata.get()
                .clerk(clerkId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.AUTH_FAILED, "unknown clerk"));
        String sessionId = "s-" + randomHex(8);
        long now = clock.millis();
        ClerkPresence reserved = clerks.executeOnKey(clerkId, new QueueProcessors.Reserve(connId, sessionId, now));
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
            Routing.Candidate claimed =
                    ticketId != null ? claimNamed(profile, ticketId, sessionId) : claimNext(profile, sessionId);
            SessionRecord s = new SessionRecord(
                    sessionId,
                    claimed.ticket().ticketId(),
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
            return new Taken(claimed.ticket(), s, claimed.eligibility() == Routing.Eligibility.OVERFLOW);
        } catch (RuntimeException e) {
            releaseReservation(clerkId, sessionId);
            throw e;
        }
    }

    private Routing.Candidate claimNamed(ReferenceData.ClerkProfile profile, String ticketId, String sessionId) {
        TicketRecord t = tickets.get(ticketId);
        if (t == null || t.status().isFinal()) {
            throw new ProtocolException(ErrorCode.NO_SUCH_TICKET, "no waiting ticket " + ticketId);
        }
        Routing.Eligibility eligibility = Routing.eligibility(profile, t, refdata.get(), view());
        switch (eligibility) {
            case NOT_QUALIFIED -> throw new ProtocolException(ErrorCode.NOT_QUALIFIED, "you do not handle this matter");
            case LANGUAGE -> throw new ProtocolException(
                    ErrorCode.NOT_QUALIFIED, "you do not serve in the applicant's language");
            case NO_AGREEMENT -> throw new ProtocolException(
                    ErrorCode.NO_AGREEMENT, "your hall has no agreement with " + t.hallId() + " for this matter");
            case OVERFLOW_CLOSED -> throw new ProtocolException(
                    ErrorCode.OVERFLOW_CLOSED,
                    "the owning hall's expected wait is below the overflow threshold for this matter");
            case OWN, OVERFLOW -> {
                // allowed
            }
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
        return new Routing.Candidate(claimed, eligibility);
    }

    private Routing.Candidate claimNext(ReferenceData.ClerkProfile profile, String sessionId) {
        QueueView view = view();
        // The index ranks (the routing rule over this node's snapshot); the entry processor makes each claim
        // atomic. A ticket another clerk claimed in between (or that the snapshot shows stale) fails its
        // claim, is read again into the index, and the next in rank is tried.
        for (Iterator<Routing.Candidate> it = view.candidateIterator(profile); it.hasNext(); ) {
            Routing.Candidate c = it.next();
            if (!c.ticket().connected()) {
                continue;
            }
            String ticketId = c.ticket().ticketId();
            TicketRecord claimed = claim(ticketId, sessionId, profile.id());
            if (claimed != null) {
                return new Routing.Candidate(claimed, c.eligibility());
            }
            TicketRecord now = tickets.get(ticketId);
            if (now == null) {
                index.removed(ticketId);
            } else {
                index.read(now);
            }
        }
        throw new ProtocolException(ErrorCode.QUEUE_EMPTY, "no applicant is waiting for your matters");
    }

    private TicketRecord claim(String ticketId, String sessionId, String clerkId) {
        return change(ticketId, new QueueProcessors.Claim(sessionId, clerkId));
    }

    private void releaseReservation(String clerkId, String sessionId) {
        long now = clock.millis();
        clerks.executeOnKey(clerkId, new QueueProcessors.ReleaseReservation(sessionId, now));
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
        ClerkPresence removed = clerks.executeOnKey(clerkId, new QueueProcessors.SignOut(connId));
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
        TicketRecord returned = change(s.ticketId(), new QueueProcessors.BackToHead(sessionId, null));
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
        Object result =
                sessions.executeOnKey(sessionId, new QueueProcessors.Transition(event, now, by, reason, outcome, note));
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
        TicketRecord t = change(ticketId, new QueueProcessors.Finish(sessionId, status, now));
        if (t != null) {
            resumeIndex.delete(t.resumeHash());
        }
    }

    private void setClerkStatus(String clerkId, String sessionId, ClerkStatus status) {
        long now = clock.millis();
        clerks.executeOnKey(clerkId, new QueueProcessors.SetStatus(sessionId, status, now));
    }

    private void afterSession(String clerkId, String sessionId, SessionRecord s) {
        wrapUp(clerkId, sessionId);
        // The clerk is occupied from the take until the outcome is recorded (an owed outcome included): that
        // is the service time the wait estimate needs. Absent applicants say nothing about service times.
        long now = clock.millis();
        if (s.state() == SessionState.CLOSED
                && s.outcome() != null
                && s.outcome() != Outcome.ABSENT
                && now > s.startedAt()) {
            TicketRecord t = tickets.get(s.ticketId());
            if (t != null) {
                recordServiceTime(t.matterId(), (now - s.startedAt()) / 1000.0);
            }
        }
    }

    /** Puts the clerk of a finished session into the timed wrap-up (or straight back when it lasts 0 s). */
    private void wrapUp(String clerkId, String sessionId) {
        long now = clock.millis();
        long wrapMillis = refdata.get().routing().wrapUpSeconds() * 1000L;
        clerks.executeOnKey(clerkId, new QueueProcessors.WrapUp(sessionId, now, wrapMillis));
    }

    private void recordServiceTime(String matterId, double seconds) {
        double clipped = ServiceTimeEstimate.clip(seconds);
        serviceTime.executeOnKey(matterId, new QueueProcessors.AddServiceTime(clipped));
    }

    // ---------------------------------------------------------------- transfer and priority checks

    /**
     * A live session handed over: {@code ended} is the clerk's old session (closed, reason {@code
     * transferred}), {@code ticket} the applicant's ticket afterwards, {@code next} the new session with the
     * target clerk (null when the ticket went back to a queue).
     */
    public record Transferred(SessionRecord ended, TicketRecord ticket, SessionRecord next) {}

    /**
     * Hands the clerk's live session to another clerk, who must be signed in, available and qualified for
     * the ticket (own hall, or a partner hall whose agreement covers the matter: a deliberate transfer
     * needs no overflow). The applicant stays connected; both clerks and the applicant are told by the
     * caller.
     */
    public Transferred transferToClerk(String clerkId, String sessionId, String targetClerkId) {
        SessionRecord s = activeSessionOf(clerkId, sessionId);
        TicketRecord t = tickets.get(s.ticketId());
        if (t == null) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "the session has ended");
        }
        if (targetClerkId.equals(clerkId)) {
            throw ProtocolException.invalid("toClerkId", "is yourself");
        }
        ReferenceData data = refdata.get();
        ReferenceData.ClerkProfile target = data.clerk(targetClerkId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.CLERK_UNAVAILABLE, "no clerk " + targetClerkId));
        switch (Routing.eligibility(target, t, data, (h, m) -> Double.POSITIVE_INFINITY)) {
            case NOT_QUALIFIED, LANGUAGE -> throw new ProtocolException(
                    ErrorCode.NOT_QUALIFIED, targetClerkId + " does not handle this matter or language");
            case NO_AGREEMENT -> throw new ProtocolException(
                    ErrorCode.NO_AGREEMENT, targetClerkId + "'s hall has no agreement for this matter");
            case OWN, OVERFLOW, OVERFLOW_CLOSED -> {
                // allowed: an agreement covers it, or the clerk is of the owning hall
            }
        }
        String newSessionId = "s-" + randomHex(8);
        long now = clock.millis();
        ClerkPresence reserved =
                clerks.executeOnKey(targetClerkId, new QueueProcessors.ReserveTarget(newSessionId, now));
        if (reserved == null) {
            throw new ProtocolException(ErrorCode.CLERK_UNAVAILABLE, targetClerkId + " is not available now");
        }
        SessionRecord ended;
        try {
            ended = transition(sessionId, SessionEvent.TRANSFERRED, "clerk", "transferred", null, null);
        } catch (RuntimeException e) {
            releaseReservation(targetClerkId, newSessionId);
            throw e;
        }
        TicketRecord moved =
                change(t.ticketId(), new QueueProcessors.MoveToSession(sessionId, newSessionId, targetClerkId));
        wrapUp(clerkId, sessionId);
        if (moved == null) {
            releaseReservation(targetClerkId, newSessionId);
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "the applicant's ticket changed meanwhile");
        }
        SessionRecord next = new SessionRecord(
                newSessionId,
                moved.ticketId(),
                targetClerkId,
                reserved.connId(),
                SessionState.ACTIVE,
                now,
                0,
                null,
                null,
                null,
                null);
        sessions.set(newSessionId, next);
        return new Transferred(ended, moved, next);
    }

    /**
     * Sends the applicant of the clerk's live session back to the head of a queue: the same hall's
     * ({@code targetHallId} null) or another hall that owns the matter.
     */
    public Transferred transferToQueue(String clerkId, String sessionId, String targetHallId) {
        SessionRecord s = activeSessionOf(clerkId, sessionId);
        TicketRecord t = tickets.get(s.ticketId());
        if (t == null) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "the session has ended");
        }
        ReferenceData data = refdata.get();
        String hall = targetHallId == null ? t.hallId() : targetHallId;
        if (data.hall(hall).isEmpty()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_HALL, "unknown hall " + hall);
        }
        if (!data.matter(t.matterId()).map(m -> m.owningHalls().contains(hall)).orElse(false)) {
            throw new ProtocolException(ErrorCode.UNKNOWN_MATTER, "hall " + hall + " does not handle " + t.matterId());
        }
        SessionRecord ended = transition(sessionId, SessionEvent.TRANSFERRED, "clerk", "transferred", null, null);
        TicketRecord back = change(t.ticketId(), new QueueProcessors.BackToHead(sessionId, hall));
        wrapUp(clerkId, sessionId);
        if (back == null) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "the applicant's ticket changed meanwhile");
        }
        return new Transferred(ended, back, null);
    }

    private SessionRecord activeSessionOf(String clerkId, String sessionId) {
        SessionRecord s = sessions.get(sessionId);
        if (s == null || !clerkId.equals(s.clerkId())) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
        }
        if (s.state() != SessionState.ACTIVE) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "only a live session can be transferred");
        }
        return s;
    }

    /**
     * The clerk's check of the applicant's priority claim at service time: confirmed, or rejected (abuse).
     * Allowed during the session and its wrap-up, once.
     */
    public TicketRecord checkPriority(String clerkId, String sessionId, boolean confirmed) {
        SessionRecord s = sessions.get(sessionId);
        if (s == null || !clerkId.equals(s.clerkId()) || s.state().isEnded() && s.outcome() == null) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
        }
        String verdict = confirmed ? "confirmed" : "rejected";
        Object result = tickets.executeOnKey(s.ticketId(), new QueueProcessors.PriorityVerdict(sessionId, verdict));
        if (result instanceof TicketRecord t) {
            index.result(t);
            return t;
        }
        if ("gone".equals(result)) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "the ticket is gone");
        }
        throw new ProtocolException(ErrorCode.WRONG_STATE, "no priority claim to check on this ticket");
    }

    // ---------------------------------------------------------------- housekeeping

    /**
     * What the periodic sweep changed, for the server to notify the people concerned: waiting tickets
     * expired, sessions ended because the applicant did not come back, clerks whose timed wrap-up ran
     * out, and sessions whose owed outcome expired because their clerk never came back.
     */
    public record Sweep(
            List<TicketRecord> expiredWaiting,
            List<SessionRecord> applicantLost,
            List<ClerkPresence> wrapUpEnded,
            List<SessionRecord> outcomeExpired) {
        /** Nothing changed. */
        public static final Sweep EMPTY = new Sweep(List.of(), List.of(), List.of(), List.of());

        public Sweep(List<TicketRecord> expiredWaiting, List<SessionRecord> applicantLost) {
            this(expiredWaiting, applicantLost, List.of(), List.of());
        }
    }

    /**
     * Expires tickets whose applicant stayed away longer than the grace period (ending their session as
     * {@code applicant_lost}), ends timed wrap-ups that ran out, expires outcomes owed by clerks gone
     * longer than {@code routing.outcomeGraceMinutes}, and drops finished records from live state.
     */
    public Sweep sweep() {
        long now = clock.millis();
        List<TicketRecord> expired = new ArrayList<>();
        List<SessionRecord> lost = new ArrayList<>();
        for (TicketRecord t : tickets.values()) {
            // The sweep reads every ticket anyway: an index that missed an event catches up here.
            index.read(t);
            if (t.status().isFinal()) {
                if (now - t.endedAt() > RETAIN_FINISHED_MS) {
                    tickets.delete(t.ticketId());
                    index.removed(t.ticketId());
                    resumeIndex.delete(t.resumeHash());
                }
                continue;
            }
            if (!expired(t, now)) {
                continue;
            }
            TicketRecord done = change(t.ticketId(), new QueueProcessors.Expire(now));
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
        List<ClerkPresence> wrapUpEnded = endWrapUps(now);
        List<SessionRecord> outcomeExpired = new ArrayList<>();
        long outcomeGrace = refdata.get().routing().outcomeGraceMinutes() * 60_000L;
        for (SessionRecord s : sessions.values()) {
            if (s.state().isEnded()) {
                if (now - s.endedAt() > RETAIN_FINISHED_MS) {
                    sessions.delete(s.sessionId());
                }
            } else if (s.state() == SessionState.WRAP_UP && now - s.endedAt() > outcomeGrace) {
                ClerkPresence p = clerks.get(s.clerkId());
                if (p != null && s.sessionId().equals(p.sessionId())) {
                    continue; // the clerk is here and still owes it
                }
                try {
                    outcomeExpired.add(
                            transition(s.sessionId(), SessionEvent.OUTCOME_EXPIRED, "server", null, null, null));
                } catch (ProtocolException ignored) {
                    // Recorded meanwhile.
                }
            }
        }
        return new Sweep(expired, lost, wrapUpEnded, outcomeExpired);
    }

    /** Returns clerks whose timed wrap-up ran out to their chosen status. */
    public List<ClerkPresence> endWrapUps(long now) {
        List<ClerkPresence> ended = new ArrayList<>();
        for (ClerkPresence p : clerks.values()) {
            if (!p.timedWrapUpOver(now)) {
                continue;
            }
            ClerkPresence after = clerks.executeOnKey(p.clerkId(), new QueueProcessors.EndWrapUp(now));
            if (after != null) {
                ended.add(after);
            }
        }
        return ended;
    }

    static boolean expired(TicketRecord t, long now) {
        return t.disconnectedAt() > 0 && now - t.disconnectedAt() > RESUME_GRACE_MS;
    }

    // ---------------------------------------------------------------- views

    /** Waiting tickets a clerk may take, in serving order (see {@link Routing}). */
    public List<TicketRecord> waitingFor(ReferenceData.ClerkProfile clerk, Collection<TicketRecord> all) {
        QueueView view = QueueView.of(all, clerks.values(), serviceSeconds(), refdata.get(), clock.millis());
        return view.forClerk(clerk);
    }

    /**
     * A consistent view of all queues, computed once and shared by every notification: from this node's
     * {@link QueueIndex} (no read of the ticket map), plus the signed-in clerks and service times.
     */
    public QueueView view() {
        ReferenceData data = refdata.get();
        QueueIndex.Snapshot waiting = index.snapshot(clock.millis(), data.routing());
        return new QueueView(waiting, clerks.values(), serviceSeconds(), data);
    }

    /** This node's index of the waiting tickets (tests compare it with the map). */
    QueueIndex index() {
        return index;
    }

    // ---------------------------------------------------------------- helpers

    private String nextNumber(String hallId, String prefix, long now) {
        String day =
                LocalDate.ofInstant(java.time.Instant.ofEpochMilli(now), CHINA).format(DAY);
        Integer n = counters.executeOnKey(hallId + "|" + prefix + "|" + day, new QueueProcessors.NextNumber());
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

    /** Mean service seconds per matter, as observed (for tests and the estimator). */
    public Map<String, Double> serviceSeconds() {
        Map<String, Double> out = new java.util.HashMap<>();
        serviceTime.forEach((k, v) -> out.put(k, v.mean()));
        return out;
    }

    /** The clock this service reads (a virtual one in tests and simulations). */
    public Clock clock() {
        return clock;
    }
}
