package cn.tongban.session.media.recording;

import cn.tongban.session.media.TrackKind;
import cn.tongban.session.media.rtp.RtpPacket;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Records one track into a WebM file on its own thread. Packets arrive through a bounded queue (a full
 * queue drops the packet and counts it, so a slow disk never delays forwarding); the thread reassembles
 * frames and pipes them to an ffmpeg process, which writes the WebM container with {@code -c copy} (no
 * transcoding). The pipe is flushed whenever the queue runs empty, and ffmpeg flushes every packet and
 * closes a cluster at least every second, so that a file whose process dies keeps all but about its last
 * second (see {@link WebmFile}).
 */
final class TrackRecorder {
    private static final byte[] STOP = new byte[0];

    private record Item(byte[] rtp, boolean retransmission, long receivedNanos) {}

    final String participantId;
    final TrackKind kind;
    private final Path file;
    private final String ffmpeg;
    private final long epochNanos;
    private final Runnable keyframeRequest;
    private final Consumer<TrackRecorder> onStart;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(2048);
    private final AtomicLong droppedPackets = new AtomicLong();
    private final Thread thread;
    private Process process;
    private OutputStream pipe;
    private IvfWriter ivf;
    private OggOpusWriter ogg;
    private Vp8FrameAssembler assembler;
    private long firstRtpTimestamp = -1;
    private long startOffsetMillis = -1;
    private long frames;
    private long lastKeyframeRequestNanos;
    private volatile IOException failure;

    /** {@code onStart}: called on the track's thread once its file is opened, with its start offset known. */
    TrackRecorder(
            String participantId,
            TrackKind kind,
            Path file,
            String ffmpeg,
            long epochNanos,
            Runnable keyframeRequest,
            Consumer<TrackRecorder> onStart) {
        this.participantId = participantId;
        this.onStart = onStart;
        this.kind = kind;
        this.file = file;
        this.ffmpeg = ffmpeg;
        this.epochNanos = epochNanos;
        this.keyframeRequest = keyframeRequest;
        this.thread = new Thread(this::run, "media-rec-" + file.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /** Called on the forwarding thread: copy and queue, never block. */
    void offer(boolean retransmission, byte[] buf, int off, int len, long receivedNanos) {
        byte[] copy = new byte[len];
        System.arraycopy(buf, off, copy, 0, len);
        if (!queue.offer(new Item(copy, retransmission, receivedNanos))) {
            droppedPackets.incrementAndGet();
        }
    }

    long droppedPackets() {
        return droppedPackets.get();
    }

    Path file() {
        return file;
    }

    long startOffsetMillis() {
        return startOffsetMillis;
    }

    private void run() {
        try {
            for (; ; ) {
                Item item = queue.poll();
                if (item == null) {
                    // Nothing waiting: hand ffmpeg what is buffered here, or a crash would take up to the
                    // buffer's 256 KB (a minute of audio) with this process.
                    if (pipe != null) {
                        pipe.flush();
                    }
                    item = queue.poll(1, TimeUnit.SECONDS);
                    if (item == null) {
                        continue;
                    }
                }
                if (item.rtp() == STOP) {
                    break;
                }
                handle(item);
            }
        } catch (IOException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            finish();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
    }

    private void handle(Item item) throws IOException {
        RtpPacket rtp = RtpPacket.parse(item.rtp(), 0, item.rtp().length);
        if (rtp == null || rtp.payloadLength() <= 0) {
            return;
        }
        if (kind == TrackKind.AUDIO) {
            if (item.retransmission()) {
                return; // audio is not retransmitted; an RTX packet here would be padding
            }
            if (ogg == null) {
                int channels = (item.rtp()[rtp.payloadOffset()] & 0x04) != 0 ? 2 : 1;
                start(item.receivedNanos(), rtp.timestamp(), "ogg");
                ogg = new OggOpusWriter(pipe, (int) rtp.ssrc(), channels);
            }
            long elapsed = (int) (rtp.timestamp() - firstRtpTimestamp) & 0xffffffffL;
            int samples = OggOpusWriter.samples(item.rtp(), rtp.payloadOffset(), rtp.payloadLength());
            ogg.writePacket(item.rtp(), rtp.payloadOffset(), rtp.payloadLength(), elapsed + samples);
            frames++;
            return;
        }
        if (assembler == null) {
            assembler = new Vp8FrameAssembler(this::onFrame);
        }
        int seq = rtp.sequenceNumber();
        int off = rtp.payloadOffset();
        int len = rtp.payloadLength();
        if (item.retransmission()) {
            // RFC 4588 section 4: the RTX payload is the original sequence number, then the original payload.
            if (len < 3) {
                return; // padding-only probe
            }
            seq = ((item.rtp()[off] & 0xff) << 8) | (item.rtp()[off + 1] & 0xff);
            off += 2;
            len -= 2;
        }
        assembler.push(seq, rtp.timestamp(), rtp.marker(), item.rtp(), off, len, item.receivedNanos());
        if (assembler.needsKeyframe() && item.receivedNanos() - lastKeyframeRequestNanos > 1_000_000_000L) {
            lastKeyframeRequestNanos = item.receivedNanos();
            keyframeRequest.run();
        }
    }

    private void onFrame(byte[] frame, long rtpTimestamp, boolean keyframe, long receivedNanos) {
        try {
            if (ivf == null) {
                int[] size = Vp8FrameAssembler.keyframeSize(frame);
                start(receivedNanos, rtpTimestamp, "ivf");
                ivf = new IvfWriter(pipe, size == null ? 640 : size[0], size == null ? 480 : size[1]);
            }
            long ms = ((int) (rtpTimestamp - firstRtpTimestamp) & 0xffffffffL) / 90;
            ivf.writeFrame(frame, ms);
            frames++;
        } catch (IOException e) {
            failure = e;
        }
    }

    private void start(long receivedNanos, long rtpTimestamp, String inputFormat) throws IOException {
        firstRtpTimestamp = rtpTimestamp;
        startOffsetMillis = Math.max(0, (receivedNanos - epochNanos) / 1_000_000);
        ProcessBuilder pb = new ProcessBuilder(ffmpegCommand(ffmpeg, inputFormat, file));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(file.resolveSibling(file.getFileName() + ".log").toFile());
        process = pb.start();
        pipe = new BufferedOutputStream(process.getOutputStream(), 256 * 1024);
        onStart.accept(this);
    }

    /** The ffmpeg command that writes {@code file} from IVF or Ogg on its standard input. */
    static List<String> ffmpegCommand(String ffmpeg, String inputFormat, Path file) {
        return List.of(
                ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                // The IVF or Ogg header says all ffmpeg needs; left to probe, it would read up to 5 s of input
                // (a slow camera, a screen shared at a frame a second) before writing anything.
                "-probesize",
                "32",
                "-analyzeduration",
                "0",
                "-f",
                inputFormat,
                "-i",
                "pipe:0",
                "-c",
                "copy",
                // Without these a killed ffmpeg leaves up to 5 s of clusters in memory and 32 KB in its output
                // buffer: a short recording would be an empty file.
                "-flush_packets",
                "1",
                "-cluster_time_limit",
                "1000",
                "-f",
                "webm",
                file.toString());
    }

    private void finish() throws IOException {
        if (process == null) {
            return;
        }
        try {
            if (ogg != null) {
                ogg.close();
            }
            pipe.close();
        } finally {
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException("ffmpeg did not finish " + file);
                }
                if (process.exitValue() != 0) {
                    throw new IOException("ffmpeg failed (" + process.exitValue() + ") for " + file);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** Stops, waits for the file, returns its description (null if nothing was recorded). */
    TrackFile stop() throws IOException {
        while (!queue.offer(new Item(STOP, false, 0))) {
            queue.poll();
            droppedPackets.incrementAndGet();
        }
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (failure != null) {
            throw failure;
        }
        if (process == null || !Files.exists(file)) {
            return null;
        }
        return new TrackFile(
                participantId,
                kind,
                file,
                sha256(file),
                Files.size(file),
                startOffsetMillis,
                frames,
                assembler == null ? 0 : assembler.droppedFrames());
    }

    static String sha256(Path f) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(f)) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
