package cn.tongban.session.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real media for tests that record: ten seconds of VP8 (ffmpeg's test pattern, 160×120, 10 frames a second,
 * a keyframe every 10 frames) and of Opus (a 440 Hz tone, 20 ms packets), encoded once per JVM by ffmpeg
 * (Debian package {@code ffmpeg}, with libvpx and libopus), and {@link Streams} that send them as RTP the way
 * a browser does (RFC 7741 for VP8, RFC 7587 for Opus).
 */
public final class TestMedia {
    /** Frames per second of the video. */
    public static final int FPS = 10;
    /** Frames from one keyframe to the next. */
    public static final int GOP = 10;

    private static TestMedia instance;

    private final Path dir;
    private final List<byte[]> vp8Frames;
    private final List<byte[]> opusPackets;

    private TestMedia(Path dir, List<byte[]> vp8Frames, List<byte[]> opusPackets) {
        this.dir = dir;
        this.vp8Frames = vp8Frames;
        this.opusPackets = opusPackets;
    }

    /** The media, made on first use. */
    public static synchronized TestMedia get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("tongban-test-media");
                Path ivf = dir.resolve("video.ivf");
                Path ogg = dir.resolve("audio.ogg");
                ffmpeg(
                        "-f",
                        "lavfi",
                        "-i",
                        "testsrc=size=160x120:rate=" + FPS,
                        "-t",
                        "10",
                        "-c:v",
                        "libvpx",
                        "-deadline",
                        "realtime",
                        "-g",
                        String.valueOf(GOP),
                        "-b:v",
                        "150k",
                        "-f",
                        "ivf",
                        ivf.toString());
                ffmpeg(
                        "-f",
                        "lavfi",
                        "-i",
                        "sine=frequency=440:sample_rate=48000",
                        "-t",
                        "10",
                        "-ac",
                        "1",
                        "-c:a",
                        "libopus",
                        "-b:a",
                        "24k",
                        "-frame_duration",
                        "20",
                        "-application",
                        "voip",
                        "-f",
                        "ogg",
                        ogg.toString());
                instance = new TestMedia(dir, ivfFrames(Files.readAllBytes(ivf)), oggPackets(Files.readAllBytes(ogg)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** The VP8 frames, in order (the first is a keyframe). */
    public List<byte[]> vp8Frames() {
        return vp8Frames;
    }

    /** The Opus packets, in order. */
    public List<byte[]> opusPackets() {
        return opusPackets;
    }

    /** The encoded files: {@code video.ivf} and {@code audio.ogg}. */
    public Path directory() {
        return dir;
    }

    /** An RTP packet and the track it belongs to. */
    public record Packet(TrackKind kind, byte[] rtp) {}

    /** Receives packets; may throw what sending throws. */
    @FunctionalInterface
    public interface Out {
        void send(Packet p) throws IOException;
    }

    /** A participant's audio and camera streams; sequence numbers and timestamps run on across calls. */
    public Streams streams(long audioSsrc, long videoSsrc) {
        return new Streams(audioSsrc, videoSsrc);
    }

    /** See {@link #streams}. */
    public final class Streams {
        private static final int MAX_PAYLOAD = 1000;
        private final long audioSsrc;
        private final long videoSsrc;
        private int audioSeq = 1;
        private int videoSeq = 1;
        private long audioTs = 1000;
        private long videoTs = 9000;
        private int tick;

        private Streams(long audioSsrc, long videoSsrc) {
            this.audioSsrc = audioSsrc;
            this.videoSsrc = videoSsrc;
        }

        /** The next 20 ms: one Opus packet, and every fifth time the packets of the next video frame. */
        public List<Packet> next20ms() {
            List<Packet> out = new ArrayList<>();
            byte[] opus = opusPackets.get(tick % opusPackets.size());
            out.add(new Packet(TrackKind.AUDIO, rtp(111, audioSeq++, audioTs, audioSsrc, true, opus, 0, opus.length)));
            audioTs += 960;
            if (tick % 5 == 0) {
                byte[] frame = vp8Frames.get((tick / 5) % vp8Frames.size());
                for (int off = 0; off < frame.length; off += MAX_PAYLOAD) {
                    int len = Math.min(MAX_PAYLOAD, frame.length - off);
                    byte[] payload = new byte[len + 1];
                    // RFC 7741 section 4.2: S=1 on the first packet of the frame's first partition, PID 0.
                    payload[0] = (byte) (off == 0 ? 0x10 : 0x00);
                    System.arraycopy(frame, off, payload, 1, len);
                    boolean last = off + len == frame.length;
                    out.add(new Packet(
                            TrackKind.CAMERA,
                            rtp(96, videoSeq++, videoTs, videoSsrc, last, payload, 0, payload.length)));
                }
                videoTs += 90_000 / FPS;
            }
            tick++;
            return out;
        }

        /** Sends {@code duration} worth of media in real time. */
        public void play(java.time.Duration duration, Out out) throws IOException, InterruptedException {
            long start = System.nanoTime();
            long ticks = duration.toMillis() / 20;
            for (long i = 0; i < ticks; i++) {
                long due = start + TimeUnit.MILLISECONDS.toNanos(20 * i);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                for (Packet p : next20ms()) {
                    out.send(p);
                }
            }
        }
    }

    private static byte[] rtp(int pt, int seq, long ts, long ssrc, boolean marker, byte[] p, int off, int len) {
        ByteBuffer b = ByteBuffer.allocate(12 + len);
        b.put((byte) 0x80);
        b.put((byte) ((marker ? 0x80 : 0) | pt));
        b.putShort((short) seq);
        b.putInt((int) ts);
        b.putInt((int) ssrc);
        b.put(p, off, len);
        return b.array();
    }

    private static void ffmpeg(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-y"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IOException("ffmpeg failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The frames of an IVF file: a 32-byte header, then a 12-byte header (size, timestamp) per frame. */
    static List<byte[]> ivfFrames(byte[] ivf) {
        ByteBuffer b = ByteBuffer.wrap(ivf).order(ByteOrder.LITTLE_ENDIAN);
        b.position(b.getShort(6));
        List<byte[]> frames = new ArrayList<>();
        while (b.remaining() >= 12) {
            int size = b.getInt();
            b.getLong();
            byte[] f = new byte[size];
            b.get(f);
            frames.add(f);
        }
        return frames;
    }

    /** The Opus packets of an Ogg Opus file (RFC 3533 pages, RFC 7845), without the two header packets. */
    static List<byte[]> oggPackets(byte[] ogg) {
        List<byte[]> packets = new ArrayList<>();
        java.io.ByteArrayOutputStream packet = new java.io.ByteArrayOutputStream();
        int i = 0;
        while (i + 27 <= ogg.length) {
            int segments = ogg[i + 26] & 0xff;
            int data = i + 27 + segments;
            for (int s = 0; s < segments; s++) {
                int lace = ogg[i + 27 + s] & 0xff;
                packet.write(ogg, data, lace);
                data += lace;
                if (lace < 255) {
                    packets.add(packet.toByteArray());
                    packet.reset();
                }
            }
            i = data;
        }
        return packets.subList(2, packets.size());
    }
}
