package cn.tongban.signaling.supervisor;

import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Client;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.QueueView;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's live board of every queue: a supervisor's account opens it on a connection of its own
 * ({@code watch}); the board is the answer, then pushed whenever it changes (and every few seconds).
 */
public final class Supervision {
    private static final Logger LOG = LoggerFactory.getLogger(Supervision.class);

    private final QueueService queue;
    private final TokenService tokens;
    private final ReferenceDataStore refdata;
    private final Records records;
    /** What each board of this node last showed, without the clock-driven fields (to push only changes). */
    private final Map<String, String> lastBoard = new ConcurrentHashMap<>();

    public Supervision(QueueService queue, TokenService tokens, ReferenceDataStore refdata, Records records) {
        this.queue = queue;
        this.tokens = tokens;
        this.refdata = refdata;
        this.records = records;
    }

    public void register(Registry r) {
        r.on(ClientMessage.Watch.class, Access.SUPERVISOR, this::watch);
        r.onBroadcast(Role.SUPERVISOR, (c, view, force) -> push(c, view, force, null));
        r.onClosed(c -> lastBoard.remove(c.connId()));
    }

    private void watch(Client c, ClientMessage.Watch w) {
        if (c.role() != null) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "this connection is already watching");
        }
        String clerkId = tokens.clerkOf(w.token());
        if (!refdata.current().routing().isSupervisor(clerkId)) {
            records.audit("clerk:" + clerkId, AuditAction.SUPERVISOR_REFUSED, null);
            throw new ProtocolException(ErrorCode.NOT_SUPERVISOR, "this account may not watch the queues").audited();
        }
        records.audit(
                "clerk:" + clerkId,
                AuditAction.SUPERVISOR_WATCH,
                null,
                AuditDetails.of(AuditField.CONNECTION, c.connId()));
        LOG.info("Supervisor {} watches the queues", clerkId);
        // The answer is queued before the broadcaster can see a board here, so the first board is the answer.
        push(c, queue.view(), true, w.id());
        c.becomeSupervisor();
    }

    private void push(Client c, QueueView view, boolean force, String re) {
        ServerMessage.Board board = SupervisorBoard.of(view, refdata.current(), re);
        String key = SupervisorBoard.changeKey(board);
        if (force || !key.equals(lastBoard.get(c.connId()))) {
            lastBoard.put(c.connId(), key);
            c.send(board);
        }
    }
}
