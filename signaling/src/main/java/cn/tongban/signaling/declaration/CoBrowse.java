package cn.tongban.signaling.declaration;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The co-browsing state of every session, in the cluster so that the applicant's and the clerk's
 * connections see the same mode whichever node they are on. Every change is an entry processor on the
 * session's key: a revocation and a remote input racing on two nodes are ordered, and an input checked
 * after the revocation is refused. Methods block (Hazelcast calls): not for event loops.
 */
public final class CoBrowse {
    /** Live state outlives no session by much: entries expire a while after their last change. */
    private static final long TTL_HOURS = 12;

    private final IMap<String, ControlState> states;

    public CoBrowse(HazelcastInstance hz) {
        this.states = hz.getMap("tongban.cobrowse");
    }

    /** The current state (initial if none). */
    public ControlState current(String sessionId) {
        ControlState s = states.get(sessionId);
        return s == null ? ControlState.initial() : s;
    }

    /**
     * A transition, applied atomically on the member owning the session's entry: one of the named
     * transitions below (serialized by {@link DeclarationSchema}, so a member of another build runs it too).
     */
    public sealed interface Transition extends EntryProcessor<String, ControlState, ControlState.Result>
            permits SetMode, Request, Answer, Revoke, Release {
        /** The transition as a pure function of the state. */
        ControlState.Result apply(ControlState state);

        @Override
        default ControlState.Result process(Map.Entry<String, ControlState> e) {
            ControlState before = e.getValue() == null ? ControlState.initial() : e.getValue();
            ControlState.Result result = apply(before);
            if (!result.refused() && result.changed()) {
                e.setValue(result.after());
            }
            return result;
        }
    }

    /** Clerk: view-only or pointer ({@link ControlState#setMode}). */
    public record SetMode(ControlState.Mode mode, long at) implements Transition {
        @Override
        public ControlState.Result apply(ControlState state) {
            return state.setMode(mode, at);
        }
    }

    /** Clerk {@code clerkId} asks for control ({@link ControlState#request}). */
    public record Request(String clerkId, long at) implements Transition {
        @Override
        public ControlState.Result apply(ControlState state) {
            return state.request(clerkId, at);
        }
    }

    /** Applicant: answers the pending request ({@link ControlState#answer}). */
    public record Answer(boolean granted, long at) implements Transition {
        @Override
        public ControlState.Result apply(ControlState state) {
            return state.answer(granted, at);
        }
    }

    /** Applicant: ends control or withdraws a pending request ({@link ControlState#revoke}). */
    public record Revoke(long at) implements Transition {
        @Override
        public ControlState.Result apply(ControlState state) {
            return state.revoke(at);
        }
    }

    /**
     * Clerk: gives control back, or withdraws the pending request: to view-only then; otherwise the mode
     * stays as it is.
     */
    public record Release(long at) implements Transition {
        @Override
        public ControlState.Result apply(ControlState state) {
            return state.mode() == ControlState.Mode.CONTROL || state.pendingBy() != null
                    ? state.setMode(ControlState.Mode.VIEW, at)
                    : state.setMode(state.mode(), at);
        }
    }

    public ControlState.Result apply(String sessionId, Transition transition) {
        ControlState.Result r = states.executeOnKey(sessionId, transition);
        if (r.changed()) {
            states.setTtl(sessionId, TTL_HOURS, TimeUnit.HOURS);
        }
        return r;
    }
}
