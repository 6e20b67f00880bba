package cn.tongban.signaling.supervisor;

import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.QueueView;
import cn.tongban.signaling.refdata.ReferenceData;
import java.util.List;

/** The supervisor's {@code board} message, built from a {@link QueueView}. */
final class SupervisorBoard {
    private SupervisorBoard() {}

    static ServerMessage.Board of(QueueView view, ReferenceData data, String re) {
        List<ServerMessage.BoardQueue> queues = view.queues().stream()
                .map(q -> new ServerMessage.BoardQueue(
                        q.hallId(),
                        q.matterId(),
                        q.waiting(),
                        q.longestWaitSeconds(),
                        q.expectedWaitSeconds(),
                        q.overflowOpen(),
                        q.priorityClaims(),
                        q.appointmentsDue(),
                        q.available(),
                        q.busy(),
                        q.wrapUp(),
                        q.away(),
                        AlertThreshold.seconds(data.routing(), q.matterId()),
                        AlertThreshold.passed(
                                q.longestWaitSeconds(), AlertThreshold.seconds(data.routing(), q.matterId()))))
                .toList();
        List<ServerMessage.BoardClerk> clerks = view.clerks().stream()
                .map(c -> new ServerMessage.BoardClerk(
                        c.clerkId(),
                        data.clerk(c.clerkId())
                                .map(ReferenceData.ClerkProfile::name)
                                .orElse(c.clerkId()),
                        c.hallId(),
                        switch (c.status()) {
                            case AVAILABLE -> ServerMessage.ClerkStatus.AVAILABLE;
                            case AWAY -> ServerMessage.ClerkStatus.AWAY;
                            case BUSY -> ServerMessage.ClerkStatus.BUSY;
                            case WRAP_UP -> ServerMessage.ClerkStatus.WRAP_UP;
                        },
                        (int) Math.max(0, (view.now() - c.since()) / 1000)))
                .toList();
        return new ServerMessage.Board(view.now(), queues, clerks, re);
    }

    /** What changes the board other than the passing of time (waits and "since" tick every second). */
    static String changeKey(ServerMessage.Board b) {
        StringBuilder sb = new StringBuilder();
        for (ServerMessage.BoardQueue q : b.queues()) {
            sb.append(q.hallId())
                    .append('|')
                    .append(q.matterId())
                    .append(':')
                    .append(q.waiting())
                    .append(',')
                    .append(q.overflowOpen())
                    .append(',')
                    .append(q.available())
                    .append(',')
                    .append(q.busy())
                    .append(',')
                    .append(q.wrapUp())
                    .append(',')
                    .append(q.away())
                    .append(',')
                    .append(q.alert())
                    .append(';');
        }
        for (ServerMessage.BoardClerk c : b.clerks()) {
            sb.append(c.clerkId()).append('=').append(c.status()).append(';');
        }
        return sb.toString();
    }
}
