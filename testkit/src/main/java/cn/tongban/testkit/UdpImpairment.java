package cn.tongban.testkit;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay that impairs what passes through it, for tests on bad links without root or {@code netem}:
 * it listens on one address (say {@code 127.0.0.2:port}, any 127.x.y.z works on Linux loopback), forwards
 * each client's datagrams to the target from an outbound socket of that client's own (one per client source
 * address, so the server sees every client as a distinct peer — for ICE, each browser candidate stays a
 * candidate of its own), and sends the target's answers back from the listening address.
 *
 * <p>Each direction ({@link #up()} client to target, {@link #down()} target to client) has settings that can
 * change while it runs, applied to each datagram in this order:
 *
 * <ol>
 *   <li>blackout: dropped;
 *   <li>random loss: dropped with the given probability;
 *   <li>rate limit: a token bucket (rate in kbit/s, a burst of {@link Link#burstBytes}) in front of a FIFO
 *       queue bounded in time (like {@code tc tbf latency}): a datagram that would wait longer is dropped
 *       (tail drop), so queueing delay builds up to the bound as on a real bottleneck;
 *   <li>added delay: a fixed propagation delay.
 * </ol>
 *
 * Order is kept in each direction: a datagram never leaves before one that came in earlier (a smaller delay
 * set later waits for the datagrams already scheduled).
 */
public final class UdpImpairment implements AutoCloseable {
    private static final int MAX_DATAGRAM = 65_536;

    /** One direction's settings and counters. Setters take effect for the next datagram. */
    public static final class Link {
        private final String name;
        private volatile long rateKbps;
        private volatile long burstBytes = 3_000;
        private volatile long queueMillis = 200;
        private volatile double loss;
        private volatile long delayMillis;
        private volatile boolean blackout;
        private final SplittableRandom random;
        private final ArrayDeque<Scheduled> queue = new ArrayDeque<>();
        // Guarded by queue.
        private long bucketFreeNanos;
        private long lastDepartureNanos;

        final AtomicLong received = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong deliveredBytes = new AtomicLong();
        final AtomicLong droppedLoss = new AtomicLong();
        final AtomicLong droppedQueue = new AtomicLong();
        final AtomicLong droppedBlackout = new AtomicLong();

        private Link(String name, long seed) {
            this.name = name;
            this.random = new SplittableRandom(seed);
        }

        /** Limits the rate to {@code kbps} kilobits per second; 0 lifts the limit. */
        public Link rateKbps(long kbps) {
            this.rateKbps = kbps;
            return this;
        }

        /** How many bytes may pass at once above the rate after an idle spell (the token bucket's depth). */
        public Link burstBytes(long bytes) {
            this.burstBytes = bytes;
            return this;
        }

        /** The longest a datagram may wait for the rate limit; beyond, it is dropped. */
        public Link queueMillis(long millis) {
            this.queueMillis = millis;
            return this;
        }

        /** Drops each datagram with probability {@code percent} / 100. */
        public Link lossPercent(double percent) {
            this.loss = percent / 100.0;
            return this;
        }

        /** Delays every datagram by {@code millis}. */
        public Link delayMillis(long millis) {
            this.delayMillis = millis;
            return this;
        }

        /** Drops everything while on. */
        public Link blackout(boolean on) {
            this.blackout = on;
            return this;
        }

        /** Lifts every impairment. */
        public Link clear() {
            return rateKbps(0).lossPercent(0).delayMillis(0).blackout(false);
        }

        public long received() {
            return received.get();
        }

        public long delivered() {
            return delivered.get();
        }

        public long deliveredBytes() {
            return deliveredBytes.get();
        }

        public long droppedByLoss() {
            return droppedLoss.get();
        }

        public long droppedByQueue() {
            return droppedQueue.get();
        }

        public long droppedByBlackout() {
            return droppedBlackout.get();
        }

        @Override
        public String toString() {
            return name + "{rate=" + rateKbps + " kbit/s, loss=" + loss * 100 + " %, delay=" + delayMillis
                    + " ms, blackout=" + blackout + "; received " + received + ", delivered " + delivered
                    + ", dropped: loss " + droppedLoss + ", queue " + droppedQueue + ", blackout "
                    + droppedBlackout + "}";
        }

        /** Decides the datagram's fate and, if it passes, queues it for its departure time. */
        private void offer(byte[] data, DatagramSocket via, SocketAddress to) {
            received.incrementAndGet();
            if (blackout) {
                droppedBlackout.incrementAndGet();
                return;
            }
            synchronized (queue) {
                if (loss > 0 && random.nextDouble() < loss) {
                    droppedLoss.incrementAndGet();
                    return;
                }
                long now = System.nanoTime();
                long leaves = now;
                long rate = rateKbps;
                if (rate > 0) {
                    long bitsPerSecond = rate * 1000;
                    long burstNanos = burstBytes * 8 * 1_000_000_000L / bitsPerSecond;
                    long start = Math.max(bucketFreeNanos, now - burstNanos);
                    long done = start + data.length * 8L * 1_000_000_000L / bitsPerSecond;
                    leaves = Math.max(now, done);
                    if (leaves - now > queueMillis * 1_000_000L) {
                        droppedQueue.incrementAndGet();
                        return;
                    }
                    bucketFreeNanos = done;
                }
                long departs = Math.max(leaves + delayMillis * 1_000_000L, lastDepartureNanos);
                lastDepartureNanos = departs;
                queue.addLast(new Scheduled(data, via, to, departs));
                queue.notifyAll();
            }
        }

        /** The delivery loop: sends each datagram at its time, in order. */
        private void deliver(UdpImpairment relay) {
            while (!relay.closed) {
                Scheduled s;
                synchronized (queue) {
                    s = queue.peekFirst();
                    long wait = s == null ? 100_000_000L : s.departs - System.nanoTime();
                    if (wait > 0) {
                        try {
                            queue.wait(wait / 1_000_000L, (int) (wait % 1_000_000L));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        continue;
                    }
                    queue.pollFirst();
                }
                try {
                    s.via.send(new DatagramPacket(s.data, s.data.length, s.to));
                    delivered.incrementAndGet();
                    deliveredBytes.addAndGet(s.data.length);
                } catch (IOException e) {
                    // A closed flow or an unreachable peer: the datagram is lost, as on a network.
                }
            }
        }
    }

    private record Scheduled(byte[] data, DatagramSocket via, SocketAddress to, long departs) {}

    private final DatagramSocket listening;
    private final InetSocketAddress target;
    private final Link up;
    private final Link down;
    private final Map<SocketAddress, DatagramSocket> flows = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Listens on {@code listen} and relays to {@code target}. Loss is drawn from a generator seeded with
     * {@code seed}, so a run can be repeated.
     */
    public UdpImpairment(InetSocketAddress listen, InetSocketAddress target, long seed) throws IOException {
        this.listening = new DatagramSocket(listen);
        this.target = target;
        this.up = new Link("up", seed);
        this.down = new Link("down", seed ^ 0x5deece66dL);
        daemon(this::receiveFromClients, "udp-impairment-in-" + listening.getLocalPort());
        daemon(() -> up.deliver(this), "udp-impairment-up");
        daemon(() -> down.deliver(this), "udp-impairment-down");
    }

    /** Listens on {@code listen} and relays to {@code target}. */
    public UdpImpairment(InetSocketAddress listen, InetSocketAddress target) throws IOException {
        this(listen, target, 42);
    }

    /** Client to target. */
    public Link up() {
        return up;
    }

    /** Target to client. */
    public Link down() {
        return down;
    }

    /** Both directions: drop everything, or stop dropping. */
    public void blackout(boolean on) {
        up.blackout(on);
        down.blackout(on);
    }

    /** Where clients send. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listening.getLocalSocketAddress();
    }

    /** How many client source addresses have been seen (each has its own outbound socket). */
    public int flows() {
        return flows.size();
    }

    private void receiveFromClients() {
        byte[] buf = new byte[MAX_DATAGRAM];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                listening.receive(p);
            } catch (IOException e) {
                return; // closed
            }
            SocketAddress client = p.getSocketAddress();
            DatagramSocket out = flows.get(client);
            if (out == null) {
                try {
                    out = openFlow(client);
                } catch (IOException e) {
                    continue;
                }
            }
            up.offer(copy(p), out, target);
        }
    }

    private DatagramSocket openFlow(SocketAddress client) throws IOException {
        DatagramSocket out = new DatagramSocket(new InetSocketAddress(target.getAddress(), 0));
        flows.put(client, out);
        daemon(
                () -> {
                    byte[] buf = new byte[MAX_DATAGRAM];
                    while (!closed) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        try {
                            out.receive(p);
                        } catch (IOException e) {
                            return;
                        }
                        if (p.getSocketAddress().equals(target)) {
                            down.offer(copy(p), listening, client);
                        }
                    }
                },
                "udp-impairment-flow-" + out.getLocalPort());
        return out;
    }

    private static byte[] copy(DatagramPacket p) {
        byte[] b = new byte[p.getLength()];
        System.arraycopy(p.getData(), p.getOffset(), b, 0, p.getLength());
        return b;
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public String toString() {
        return "UdpImpairment " + address() + " -> " + target + ", " + flows.size() + " flows: " + up + ", " + down;
    }

    @Override
    public void close() {
        closed = true;
        listening.close();
        flows.values().forEach(DatagramSocket::close);
        for (Link l : new Link[] {up, down}) {
            synchronized (l.queue) {
                l.queue.notifyAll();
            }
        }
    }
}
