package cn.tongban.session.media.impl;

import cn.tongban.session.media.Role;
import cn.tongban.session.media.dtls.DtlsCertificate;
import cn.tongban.session.media.rtp.RtpPacket;
import cn.tongban.session.media.srtp.PacketBuffer;
import cn.tongban.session.media.srtp.SrtpKeys;
import cn.tongban.session.media.srtp.SrtpProfile;
import cn.tongban.session.media.srtp.SrtpTransformer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import org.jitsi.srtp.SrtpErrorStatus;

/**
 * Forwarding benchmark (a program, not a test). Simulates N one-to-one sessions (2N endpoints, each
 * sending one video stream of 1200-byte payloads) and pushes SRTP packets through the bridge's real
 * receive chain (SRTP decrypt, RTP parse, stats, forwarding, SRTP re-encrypt for the receiver) into an
 * in-memory transport. In the same run it measures the ceiling: jitsi-srtp unprotect + protect of the
 * same packets with nothing else.
 *
 * <p>Single-threaded on purpose: the result is packets per second per core. Latency is per packet, from
 * handing the datagram to the endpoint to the re-encrypted copy leaving for the receiver.
 *
 * <p>Run: {@code ./mvnw -q -pl session test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test} then {@code java -cp
 * session/target/classes:session/target/test-classes:$(cat session/target/cp.txt)
 * cn.tongban.session.media.impl.ForwardingBenchmark [sessions] [rounds] [profile]}.
 */
public final class ForwardingBenchmark {
    private static final int PAYLOAD = 1200;

    private record Stream(
            Endpoint endpoint,
            SrtpTransformer browser,
            long ssrc,
            SrtpTransformer ceilingRx,
            SrtpTransformer ceilingTx) {}

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        SrtpProfile profile = args.length > 2 ? SrtpProfile.valueOf(args[2]) : SrtpProfile.AEAD_AES_128_GCM;
        SecureRandom random = new SecureRandom();
        CountingMetrics metrics = new CountingMetrics();
        DtlsCertificate cert = DtlsCertificate.generate("bench");
        var executor = Executors.newSingleThreadExecutor();
        List<Stream> streams = new ArrayList<>();
        List<InMemoryConference.Wire> transports = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            Conference c = new Conference("s" + s, metrics, cert.fingerprint());
            Endpoint[] pair = new Endpoint[2];
            long[] ssrcs = {random.nextInt() & 0xffffffffL, random.nextInt() & 0xffffffffL};
            for (int i = 0; i < 2; i++) {
                InMemoryConference.Wire t = new InMemoryConference.Wire(false);
                transports.add(t);
                pair[i] = InMemoryConference.endpoint(c, "p" + i, Role.APPLICANT, t, cert, executor, metrics);
            }
            for (int i = 0; i < 2; i++) {
                InMemoryConference.answer(c, pair[i], cert, ssrcs[i]);
            }
            SrtpKeys[] keys = new SrtpKeys[2];
            for (int i = 0; i < 2; i++) {
                byte[] material = new byte[SrtpKeys.exportLength(profile)];
                random.nextBytes(material);
                keys[i] = SrtpKeys.fromExporter(profile, material);
                pair[i].installKeys(keys[i]);
            }
            for (int i = 0; i < 2; i++) {
                streams.add(new Stream(
                        pair[i],
                        SrtpTransformer.forClient(keys[i]),
                        ssrcs[i],
                        SrtpTransformer.forServer(keys[i]),
                        SrtpTransformer.forServer(keys[1 - i])));
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%d sessions, %d endpoints, %d streams, %s, payload %d bytes, %d rounds%n",
                sessions,
                2 * sessions,
                streams.size(),
                profile,
                PAYLOAD,
                rounds);

        int warm = Math.max(20, rounds / 5);
        int seq = 0;
        Result ceiling = null;
        Result bridge = null;
        // Alternate phases so both see the same machine load; the first pass of each is warm-up.
        for (int pass = 0; pass < 2; pass++) {
            int n = pass == 0 ? warm : rounds;
            ceiling = run(streams, seq, n, true);
            seq += n;
            bridge = run(streams, seq, n, false);
            seq += n;
        }
        long forwarded = metrics.count(cn.tongban.session.media.MediaCounter.RTP_FORWARDED);
        System.out.printf(Locale.ROOT, "ceiling (unprotect+protect): %s%n", ceiling);
        System.out.printf(Locale.ROOT, "bridge forwarding:           %s%n", bridge);
        System.out.printf(
                Locale.ROOT,
                "bridge / ceiling = %.1f %% (CPU time), %.1f %% (wall clock); packets forwarded in total %d; dropped SRTP %d%n",
                100.0 * bridge.pps() / ceiling.pps(),
                100.0 * bridge.wallPps() / ceiling.wallPps(),
                forwarded,
                metrics.count(cn.tongban.session.media.MediaCounter.DROPPED_SRTP_AUTH));
        executor.shutdownNow();
    }

    /**
     * @param nanos wall-clock time of the timed sections
     * @param cpuNanos CPU time the benchmark thread spent in them: on a shared machine the thread is
     *     descheduled now and then, which wall time counts and CPU time does not
     */
    private record Result(long packets, long nanos, long cpuNanos, long p50, long p99, long p999) {
        double pps() {
            return packets * 1e9 / cpuNanos;
        }

        double wallPps() {
            return packets * 1e9 / nanos;
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%,.0f packets/s per core-second of CPU (%,.0f by wall clock);"
                            + " per packet p50 %.1f us, p99 %.1f us, p99.9 %.1f us",
                    pps(),
                    wallPps(),
                    p50 / 1000.0,
                    p99 / 1000.0,
                    p999 / 1000.0);
        }
    }

    private static Result run(List<Stream> streams, int firstSeq, int rounds, boolean ceiling) {
        int perRound = streams.size();
        long[] latencies = new long[rounds * perRound];
        int li = 0;
        long total = 0;
        long cpu = 0;
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        byte[][] batch = new byte[perRound][];
        int[] lengths = new int[perRound];
        for (int r = 0; r < rounds; r++) {
            int seq = (firstSeq + r) & 0xffff;
            // Untimed: what the browsers would have sent this round.
            for (int i = 0; i < perRound; i++) {
                Stream s = streams.get(i);
                byte[] plain = new byte[12 + PAYLOAD + PacketBuffer.TAIL_ROOM];
                plain[0] = (byte) 0x80;
                plain[1] = (byte) 96;
                RtpPacket p = RtpPacket.parse(plain, 0, 12 + PAYLOAD);
                p.setSequenceNumber(seq);
                p.setTimestamp((firstSeq + r) * 3000L);
                p.setSsrc(s.ssrc());
                PacketBuffer pb = new PacketBuffer(plain, 0, 12 + PAYLOAD);
                if (s.browser().protectRtp(pb) != SrtpErrorStatus.OK) {
                    throw new IllegalStateException("protect");
                }
                batch[i] = pb.getBuffer();
                lengths[i] = pb.getLength();
            }
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                Stream s = streams.get(i);
                long t0 = System.nanoTime();
                if (ceiling) {
                    PacketBuffer pb = new PacketBuffer(batch[i], 0, lengths[i]);
                    s.ceilingRx().unprotectRtp(pb);
                    s.ceilingTx().protectRtp(pb);
                } else {
                    s.endpoint().receive(batch[i], 0, lengths[i], t0);
                }
                latencies[li++] = System.nanoTime() - t0;
            }
            total += System.nanoTime() - start;
            cpu += threads.getCurrentThreadCpuTime() - cpuStart;
        }
        Arrays.sort(latencies);
        return new Result(
                latencies.length,
                total,
                cpu,
                latencies[latencies.length / 2],
                latencies[(int) (latencies.length * 0.99)],
                latencies[(int) (latencies.length * 0.999)]);
    }
}
