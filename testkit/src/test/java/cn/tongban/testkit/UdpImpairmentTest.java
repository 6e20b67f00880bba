package cn.tongban.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The impairment relay with plain sockets: a client sends numbered, time-stamped datagrams through the
 * relay to an echo server and back, and the test checks what arrives, when and in which order.
 */
class UdpImpairmentTest {
    private DatagramSocket server;
    private DatagramSocket client;
    private UdpImpairment relay;
    private Thread echo;
    private Thread collector;
    private final List<Arrival> arrivals = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        server = new DatagramSocket(new InetSocketAddress(loopback, 0));
        // The relay listens on another loopback address at the server's port, as in the browser tests.
        relay = new UdpImpairment(
                new InetSocketAddress(InetAddress.getByName("127.0.0.2"), server.getLocalPort()),
                (InetSocketAddress) server.getLocalSocketAddress(),
                7);
        client = new DatagramSocket(new InetSocketAddress(loopback, 0));
        client.setSoTimeout(1_000);
        echo = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!server.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    server.receive(p);
                    server.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
        echo.setDaemon(true);
        echo.start();
        // Reads as datagrams come, so that arrival times are real and the socket's buffer never overflows.
        collector = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!client.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    client.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    return;
                }
                ByteBuffer b = ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength());
                synchronized (arrivals) {
                    arrivals.add(new Arrival(b.getInt(), b.getLong(), System.nanoTime(), p.getLength()));
                    arrivals.notifyAll();
                }
            }
        });
        collector.setDaemon(true);
        collector.start();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        client.close();
        server.close();
        echo.join(2_000);
        collector.join(2_000);
    }

    private void send(int seq, int size) throws IOException {
        byte[] b = new byte[size];
        ByteBuffer.wrap(b).putInt(seq).putLong(System.nanoTime());
        client.send(new DatagramPacket(b, b.length, relay.address()));
    }

    private record Arrival(int seq, long sentNanos, long arrivedNanos, int size) {}

    /** What came back since the last call, once nothing more has for {@code quietMillis}. */
    private List<Arrival> receiveUntilQuiet(int quietMillis) throws InterruptedException {
        synchronized (arrivals) {
            int seen = -1;
            while (seen != arrivals.size()) {
                seen = arrivals.size();
                arrivals.wait(quietMillis);
            }
            List<Arrival> out = new ArrayList<>(arrivals);
            arrivals.clear();
            return out;
        }
    }

    /**
     * What came back since the last call, once {@code count} datagrams have (or {@code timeoutMillis} passed),
     * then nothing more for a moment: on a loaded machine the relay's thread may stall longer than any quiet
     * period, so a test that knows how many to expect waits for them.
     */
    private List<Arrival> receive(int count, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (arrivals) {
            while (arrivals.size() < count && System.currentTimeMillis() < deadline) {
                arrivals.wait(Math.max(1, deadline - System.currentTimeMillis()));
            }
        }
        return receiveUntilQuiet(200);
    }

    private static void pace(long startNanos, int i, long intervalNanos) {
        long due = startNanos + i * intervalNanos;
        while (System.nanoTime() < due) {
            Thread.onSpinWait();
        }
    }

    @Test
    void anUnimpairedRelayPassesEverythingInOrderAndGivesEachSourceItsOwnOutboundSocket() throws Exception {
        for (int i = 0; i < 200; i++) {
            send(i, 200);
            Thread.sleep(1);
        }
        List<Arrival> got = receive(200, 20_000);
        assertThat(got).extracting(Arrival::seq).containsExactlyElementsOf(range(200));
        try (DatagramSocket second = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            second.send(new DatagramPacket(new byte[12], 12, relay.address()));
            second.setSoTimeout(1_000);
            second.receive(new DatagramPacket(new byte[64], 64));
        }
        assertThat(relay.flows()).isEqualTo(2);
    }

    @Test
    void theRateLimitHoldsThroughputToTheRateAndDropsWhatOverflowsTheQueue() throws Exception {
        // 1,000-byte datagrams at 2 Mbit/s for 2 s into a 500 kbit/s limit (upstream; the echo is not limited).
        relay.up().rateKbps(500).queueMillis(100);
        long start = System.nanoTime();
        int n = 500;
        for (int i = 0; i < n; i++) {
            pace(start, i, 4_000_000L);
            send(i, 1_000);
        }
        List<Arrival> got = receiveUntilQuiet(500);
        double seconds = (got.get(got.size() - 1).arrivedNanos() - got.get(0).arrivedNanos()) / 1e9;
        double kbps = (got.size() - 1) * 1_000 * 8 / seconds / 1_000;
        System.out.printf(
                "rate limit 500 kbit/s: %d of %d through in %.2f s = %.0f kbit/s; %s%n",
                got.size(), n, seconds, kbps, relay.up());
        assertThat(kbps).isBetween(425.0, 575.0);
        assertThat(relay.up().droppedByQueue()).isGreaterThan(n / 2);
        // The queue bound is the most any datagram waited.
        long maxDelayMillis = got.stream()
                .mapToLong(a -> (a.arrivedNanos() - a.sentNanos()) / 1_000_000)
                .max()
                .orElseThrow();
        // At least the queue's 100 ms once it filled; at most that plus what a loaded machine adds in scheduling
        // (without the bound the backlog would reach 1.5 s: 2 s at four times the rate).
        assertThat(maxDelayMillis).isBetween(80L, 400L);
        assertThat(got).extracting(Arrival::seq).isSorted();

        // Lifted while running: everything passes again.
        relay.up().rateKbps(0);
        for (int i = 0; i < 100; i++) {
            send(n + i, 1_000);
            Thread.sleep(1);
        }
        assertThat(receiveUntilQuiet(500)).hasSize(100);
    }

    @Test
    void randomLossDropsAboutTheGivenShareInBothDirections() throws Exception {
        relay.up().lossPercent(5);
        relay.down().lossPercent(5);
        int n = 4_000;
        for (int i = 0; i < n; i++) {
            send(i, 100);
            if (i % 20 == 19) {
                Thread.sleep(1); // keep the sockets' buffers from overflowing: only the relay may lose
            }
        }
        List<Arrival> got = receiveUntilQuiet(500);
        double lost = 100.0 * (n - got.size()) / n;
        System.out.printf("loss 5 %% each way: %.2f %% lost round trip; %s, %s%n", lost, relay.up(), relay.down());
        assertThat(relay.up().received()).isEqualTo(n);
        // Each way about 5 % (±1.5 points: over four standard deviations for 4,000 datagrams), and nothing
        // else lost: 1 - 0.95^2 = 9.75 % round trip.
        assertThat(100.0 * relay.up().droppedByLoss() / n).isBetween(3.5, 6.5);
        assertThat(100.0 * relay.down().droppedByLoss() / relay.down().received())
                .isBetween(3.5, 6.5);
        assertThat(relay.up().droppedByLoss() + relay.down().droppedByLoss()).isEqualTo(n - got.size());
        assertThat(lost).isBetween(6.75, 12.75);
        assertThat(got).extracting(Arrival::seq).isSorted();
    }

    @Test
    void addedDelayDelaysEveryDatagramAndKeepsOrderWhenTheDelayShrinks() throws Exception {
        relay.down().delayMillis(150);
        for (int i = 0; i < 50; i++) {
            send(i, 200);
            Thread.sleep(2);
        }
        // Cut the delay while datagrams are still scheduled: later ones must not overtake them.
        relay.down().delayMillis(0);
        for (int i = 50; i < 100; i++) {
            send(i, 200);
        }
        List<Arrival> got = receiveUntilQuiet(500);
        assertThat(got).extracting(Arrival::seq).containsExactlyElementsOf(range(100));
        long minFirst = got.subList(0, 50).stream()
                .mapToLong(a -> (a.arrivedNanos() - a.sentNanos()) / 1_000_000)
                .min()
                .orElseThrow();
        System.out.println("delay 150 ms: least round trip of the delayed datagrams " + minFirst + " ms");
        assertThat(minFirst).isGreaterThanOrEqualTo(150);

        relay.down().delayMillis(0);
        send(100, 200);
        Arrival quick = receiveUntilQuiet(300).get(0);
        assertThat((quick.arrivedNanos() - quick.sentNanos()) / 1_000_000).isLessThan(100);
    }

    @Test
    void aBlackoutDropsEverythingUntilLifted() throws Exception {
        relay.blackout(true);
        for (int i = 0; i < 50; i++) {
            send(i, 200);
        }
        assertThat(receiveUntilQuiet(300)).isEmpty();
        assertThat(relay.up().droppedByBlackout()).isEqualTo(50);
        relay.blackout(false);
        for (int i = 50; i < 100; i++) {
            send(i, 200);
        }
        assertThat(receiveUntilQuiet(500)).extracting(Arrival::seq).containsExactlyElementsOf(range(50, 100));
    }

    private static List<Integer> range(int n) {
        return range(0, n);
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add(i);
        }
        return l;
    }
}
