package cn.tongban.signaling.media;

import static cn.tongban.signaling.schema.Fields.name;

import cn.tongban.session.media.Role;
import cn.tongban.signaling.protocol.ScreenSource;
import cn.tongban.signaling.schema.CompactType;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.util.List;

/**
 * The Compact schema of the media's cluster state: bridged sessions ({@code tongban.media}: {@link
 * MediaSession} with its {@link MediaParticipant}s, changed by {@link MediaRoster}'s processors, which
 * answer a {@link MediaRoster.Change}) and chat lines ({@code tongban.chat} and {@code tongban.chat-lines}:
 * {@link ChatHistory}). See
 * docs/cluster.md, "Cluster state and rolling upgrades", before changing anything here.
 */
public final class MediaSchema {
    private MediaSchema() {}

    static final CompactType<MediaParticipant> PARTICIPANT = CompactType.of(
            "tongban.MediaParticipant",
            MediaParticipant.class,
            (w, p) -> {
                w.writeString("role", name(p.role()));
                w.writeString("clerkId", p.clerkId());
                w.writeString("connId", p.connId());
                w.writeString("name", p.name());
                w.writeString("hallName", p.hallName());
                w.writeInt32("epoch", p.epoch());
            },
            r -> new MediaParticipant(
                    r.enumeration("role", Role.class),
                    r.string("clerkId"),
                    r.string("connId"),
                    r.string("name"),
                    r.string("hallName"),
                    r.int32("epoch", 0)));

    static final CompactType<MediaSession> SESSION = CompactType.of(
            "tongban.MediaSession",
            MediaSession.class,
            (w, s) -> {
                w.writeString("sessionId", s.sessionId());
                w.writeString("ticketId", s.ticketId());
                w.writeString("number", s.number());
                w.writeString("matterId", s.matterId());
                w.writeString("hallId", s.hallId());
                w.writeString("partnerHallId", s.partnerHallId());
                w.writeString("clerkId", s.clerkId());
                w.writeString("node", s.node());
                w.writeBoolean("recorded", s.recorded());
                w.writeString("screen", name(s.screen()));
                w.writeInt64("startedAt", s.startedAt());
                w.writeArrayOfCompact("participants", s.participants().toArray(new MediaParticipant[0]));
                w.writeArrayOfString("invited", s.invited().toArray(new String[0]));
            },
            r -> new MediaSession(
                    r.string("sessionId"),
                    r.string("ticketId"),
                    r.string("number"),
                    r.string("matterId"),
                    r.string("hallId"),
                    r.string("partnerHallId"),
                    r.string("clerkId"),
                    r.string("node"),
                    r.bool("recorded", false),
                    r.enumeration("screen", ScreenSource.class),
                    r.int64("startedAt", 0),
                    r.compacts("participants", MediaParticipant.class),
                    r.strings("invited")));

    public static List<CompactSerializer<?>> types() {
        return List.of(
                PARTICIPANT,
                SESSION,
                CompactType.of(
                        "tongban.media.Change",
                        MediaRoster.Change.class,
                        (w, c) -> {
                            w.writeCompact("session", c.session());
                            w.writeString("refusal", name(c.refusal()));
                        },
                        r -> new MediaRoster.Change(
                                r.compact("session"), r.enumeration("refusal", MediaRoster.Refusal.class))),
                CompactType.of(
                        "tongban.media.Join",
                        MediaRoster.Join.class,
                        (w, p) -> w.writeCompact("participant", p.p()),
                        r -> new MediaRoster.Join(r.compact("participant"))),
                CompactType.of(
                        "tongban.media.Reallocate",
                        MediaRoster.Reallocate.class,
                        (w, p) -> {
                            w.writeString("key", p.key());
                            w.writeString("connId", p.connId());
                        },
                        r -> new MediaRoster.Reallocate(r.string("key"), r.string("connId"))),
                CompactType.of(
                        "tongban.media.Rehome",
                        MediaRoster.Rehome.class,
                        (w, p) -> {
                            w.writeString("from", p.from());
                            w.writeString("to", p.to());
                        },
                        r -> new MediaRoster.Rehome(r.string("from"), r.string("to"))),
                CompactType.of(
                        "tongban.media.Disconnect",
                        MediaRoster.Disconnect.class,
                        (w, p) -> w.writeString("key", p.key()),
                        r -> new MediaRoster.Disconnect(r.string("key"))),
                CompactType.of(
                        "tongban.media.Leave",
                        MediaRoster.Leave.class,
                        (w, p) -> w.writeString("key", p.key()),
                        r -> new MediaRoster.Leave(r.string("key"))),
                CompactType.of(
                        "tongban.media.Invite",
                        MediaRoster.Invite.class,
                        (w, p) -> w.writeString("clerkId", p.clerkId()),
                        r -> new MediaRoster.Invite(r.string("clerkId"))),
                CompactType.of(
                        "tongban.media.Screen",
                        MediaRoster.Screen.class,
                        (w, p) -> w.writeString("source", name(p.source())),
                        r -> new MediaRoster.Screen(r.enumeration("source", ScreenSource.class))),
                CompactType.of(
                        "tongban.ChatLine",
                        ChatHistory.Line.class,
                        (w, l) -> {
                            w.writeInt64("seq", l.seq());
                            w.writeString("from", l.from());
                            w.writeString("name", l.name());
                            w.writeString("text", l.text());
                            w.writeInt64("at", l.at());
                        },
                        r -> new ChatHistory.Line(
                                r.int64("seq", 0),
                                r.string("from"),
                                r.string("name"),
                                r.string("text"),
                                r.int64("at", 0))),
                CompactType.of(
                        "tongban.ChatLines",
                        ChatHistory.Lines.class,
                        (w, l) -> {
                            w.writeInt64("last", l.last());
                            w.writeArrayOfCompact("lines", l.lines().toArray(new ChatHistory.Line[0]));
                        },
                        r -> new ChatHistory.Lines(r.int64("last", 0), r.compacts("lines", ChatHistory.Line.class))),
                CompactType.of(
                        "tongban.chat.Append",
                        ChatHistory.Append.class,
                        (w, p) -> {
                            w.writeString("from", p.from());
                            w.writeString("name", p.name());
                            w.writeString("text", p.text());
                            w.writeInt64("at", p.at());
                        },
                        r -> new ChatHistory.Append(
                                r.string("from"), r.string("name"), r.string("text"), r.int64("at", 0))),
                CompactType.of("tongban.chat.Next", ChatHistory.Next.class, (w, p) -> {}, r -> new ChatHistory.Next()));
    }
}
