package cn.tongban.signaling.schema;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;

/**
 * Which types the members of a cluster know, as a number: every member advertises the generation of its
 * schema in the member attribute {@value #ATTRIBUTE} (a member without it, of a build before generations, is
 * generation 1). A build that adds an entry processor raises {@link #CURRENT}; code sends the new processor
 * only while {@link #everyMember} is true, and the old one otherwise, so the new processor is used in the
 * very release that ships it without ever reaching a member that cannot read it (docs/cluster.md, rule 7).
 */
public final class Generation {
    /** The member attribute holding a member's generation. */
    public static final String ATTRIBUTE = "tongban.schema";

    /**
     * This build's generation. 2: {@code tongban.chat.Next} (chat lines kept one entry per line, {@code
     * media.ChatHistory}), {@code tongban.media.Rehome} (bridge failover, {@code media.MediaSessions}), and
     * messages to a member's connections acknowledged ({@code ws.Connections}).
     */
    public static final int CURRENT = 2;

    private Generation() {}

    /**
     * Whether every member of the cluster, as this member sees it now, knows at least {@code generation}.
     * Reads only this member's member list: cheap enough for every message.
     */
    public static boolean everyMember(HazelcastInstance hz, int generation) {
        for (Member m : hz.getCluster().getMembers()) {
            if (of(m) < generation) {
                return false;
            }
        }
        return true;
    }

    /** A member's generation (1 for a member that does not say). */
    public static int of(Member m) {
        String g = m.getAttribute(ATTRIBUTE);
        if (g == null) {
            return 1;
        }
        try {
            return Integer.parseInt(g);
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
