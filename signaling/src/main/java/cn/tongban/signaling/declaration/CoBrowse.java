package cn.tongban.signaling.declaration;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
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

    /** A transition, applied atomically. */
    public interface Transition extends java.io.Serializable {
        ControlState.Result apply(ControlState state);
    }

    public ControlState.Result apply(String sessionId, Transition transition) {
        ControlState.Result r =
                states.executeOnKey(sessionId, (EntryProcessor<String, ControlState, ControlState.Result>) e -> {
                    ControlState before = e.getValue() == null ? ControlState.initial() : e.getValue();
                    ControlState.Result result = transition.apply(before);
                    if (!result.refused() && result.changed()) {
                        e.setValue(result.after());
                    }
                    return result;
                });
        if (r.changed()) {
            states.setTtl(sessionId, TTL_HOURS, TimeUnit.HOURS);
        }
        return r;
    }
}
