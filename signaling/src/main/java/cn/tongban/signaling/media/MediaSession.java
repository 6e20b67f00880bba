package cn.tongban.signaling.media;

import cn.tongban.session.media.Role;
import cn.tongban.signaling.protocol.ScreenSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A session carried by the media bridge, as stored in the cluster (map {@code tongban.media}): who is in
 * it, who is invited, which node's bridge serves it, whether it is recorded and whether the applicant is
 * sharing the screen. Immutable; changed only by entry processors in {@link MediaRoster}.
 *
 * @param node the event-bus address of the node whose bridge carries the session's media (the node where
 *     the owning clerk took the ticket); every participant's media goes to that node's UDP port
 * @param recorded the matter's policy records this session
 * @param screen what the applicant's second video shows (screen or document camera), null when nothing
 *     (so that people joining later are told)
 */
public record MediaSession(
        String sessionId,
        String ticketId,
        String number,
        String matterId,
        String hallId,
        String partnerHallId,
        String clerkId,
        String node,
        boolean recorded,
        ScreenSource screen,
        long startedAt,
        List<MediaParticipant> participants,
        List<String> invited) {

    /** At most this many people in one session (applicant, clerk, and two more). */
    public static final int MAX_PARTICIPANTS = 4;

    public MediaSession {
        participants = List.copyOf(participants);
        invited = List.copyOf(invited);
    }

    public Optional<MediaParticipant> participant(String key) {
        return participants.stream().filter(p -> p.key().equals(key)).findFirst();
    }

    public Optional<MediaParticipant> byParticipantId(String participantId) {
        return participants.stream()
                .filter(p -> p.participantId().equals(participantId))
                .findFirst();
    }

    /** Adds or replaces (same {@link MediaParticipant#key()}) a participant; an invitation is taken up. */
    MediaSession with(MediaParticipant p) {
        List<MediaParticipant> l = new ArrayList<>();
        boolean replaced = false;
        for (MediaParticipant x : participants) {
            if (x.key().equals(p.key())) {
                l.add(p);
                replaced = true;
            } else {
                l.add(x);
            }
        }
        if (!replaced) {
            l.add(p);
        }
        List<String> inv = new ArrayList<>(invited);
        if (p.clerkId() != null) {
            inv.remove(p.clerkId());
        }
        return copy(l, inv, screen);
    }

    MediaSession without(String key) {
        return copy(participants.stream().filter(p -> !p.key().equals(key)).toList(), invited, screen);
    }

    MediaSession invite(String invitee) {
        List<String> inv = new ArrayList<>(invited);
        if (!inv.contains(invitee)) {
            inv.add(invitee);
        }
        return copy(participants, inv, screen);
    }

    MediaSession withScreen(ScreenSource source) {
        return copy(participants, invited, source);
    }

    /**
     * The session carried by the bridge at {@code newNode}: the applicant and the clerk get new endpoint
     * epochs on their connections (the new bridge knows none of the old endpoints), helpers and supervisors
     * leave (their pages cannot follow a move; they may join again).
     */
    MediaSession movedTo(String newNode) {
        List<MediaParticipant> kept = participants.stream()
                .filter(p -> p.role() == Role.APPLICANT || p.role() == Role.CLERK)
                .map(p -> p.epoch() > 0 ? p.reallocated(p.connId()) : p)
                .toList();
        return new MediaSession(
                sessionId,
                ticketId,
                number,
                matterId,
                hallId,
                partnerHallId,
                clerkId,
                newNode,
                recorded,
                screen,
                startedAt,
                kept,
                invited);
    }

    private MediaSession copy(List<MediaParticipant> p, List<String> inv, ScreenSource scr) {
        return new MediaSession(
                sessionId,
                ticketId,
                number,
                matterId,
                hallId,
                partnerHallId,
                clerkId,
                node,
                recorded,
                scr,
                startedAt,
                p,
                inv);
    }
}
