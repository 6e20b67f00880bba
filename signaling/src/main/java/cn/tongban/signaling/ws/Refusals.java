package cn.tongban.signaling.ws;

import cn.tongban.signaling.audit.RefusalJournal;
import cn.tongban.signaling.live.Client;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.store.AuditField;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WebSocket transport's side of the {@link RefusalJournal}: every error it sends for a {@linkplain
 * cn.tongban.signaling.protocol.ErrorCode#refusal() refusal} passes here — whichever handler threw it, or
 * the codec — unless the handler journaled it itself with details only it knows ({@link
 * ProtocolException#audited()}). The journal entry names the connection's actor, the message type, the
 * code, the session the message named and the connection; the node's one budget for refusals (both
 * transports) applies.
 */
final class Refusals {
    private static final Map<Class<?>, Optional<Method>> SESSION_IDS = new ConcurrentHashMap<>();

    private final RefusalJournal journal;

    Refusals(RefusalJournal journal) {
        this.journal = journal;
    }

    /**
     * Journals that {@code c}'s message of type {@code type} was refused with {@code e}, if it is a refusal
     * and not journaled already. Does not block (the journal is written on a worker thread).
     *
     * @param message the decoded message, for its session, or null when it could not be decoded
     */
    void refused(Client c, String type, Object message, ProtocolException e) {
        if (e.isAudited() || !e.code().refusal()) {
            return;
        }
        String connection = c.connId();
        journal.refused(
                actor(c),
                type == null ? "?" : type,
                e.code(),
                sessionOf(message),
                d -> d.and(AuditField.CONNECTION, connection));
    }

    /** Who the connection is, as the journal names actors. */
    static String actor(Client c) {
        Role role = c.role();
        if (role == Role.CLERK) {
            return "clerk:" + c.clerkId();
        }
        if (role == Role.SUPERVISOR) {
            return "supervisor";
        }
        if (role == Role.APPLICANT) {
            return "ticket:" + c.ticketId();
        }
        return "anonymous";
    }

    /** The {@code sessionId} of a message that names one (a record component of that name), else null. */
    static String sessionOf(Object message) {
        if (message == null || !message.getClass().isRecord()) {
            return null;
        }
        Optional<Method> accessor = SESSION_IDS.computeIfAbsent(message.getClass(), k -> {
            for (RecordComponent rc : k.getRecordComponents()) {
                if (rc.getName().equals("sessionId") && rc.getType() == String.class) {
                    return Optional.of(rc.getAccessor());
                }
            }
            return Optional.empty();
        });
        try {
            return accessor.isPresent() ? (String) accessor.get().invoke(message) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
