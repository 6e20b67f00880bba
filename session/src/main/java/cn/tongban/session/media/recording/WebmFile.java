package cn.tongban.session.media.recording;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a track file of a recording holds, read from its EBML structure (RFC 8794; the Matroska elements of
 * RFC 9559), and how an unfinished one is made whole.
 *
 * <p>ffmpeg writes a WebM file's Segment with an unknown size and fills the size in, with the duration and
 * the cues, only when it finishes. A file whose ffmpeg was killed (the machine lost power, the process
 * group was killed) therefore still says "unknown size", and ends somewhere inside a cluster: every block
 * before the cut is whole and playable, the one at the cut is not. {@link #inspect} counts the whole blocks
 * reading only element headers (a file of hundreds of megabytes costs a few thousand reads); {@link
 * #repair} copies those blocks into a new, finished file with ffmpeg ({@code -c copy}: the same frames,
 * not encoded again), leaving the file as found untouched.
 */
public final class WebmFile {
    /** What a file is. */
    public enum State {
        /** No bytes at all. */
        EMPTY,
        /** Not an EBML document of type webm or matroska. */
        NOT_WEBM,
        /** A finished file: the Segment's size is known and every element in it is whole. */
        FINISHED,
        /** A file its writer never finished: unknown Segment size, or cut inside an element. */
        UNFINISHED
    }

    /**
     * @param frames the whole blocks (video frames, Opus packets) in the file
     */
    public record Inspection(State state, long frames) {}

    private static final long EBML = 0x1A45DFA3L;
    private static final long DOC_TYPE = 0x4282L;
    private static final long SEGMENT = 0x18538067L;
    private static final long CLUSTER = 0x1F43B675L;
    private static final long SIMPLE_BLOCK = 0xA3L;
    private static final long BLOCK_GROUP = 0xA0L;
    /** Elements that may follow a cluster of unknown size at the Segment's level (and so end it). */
    private static final List<Long> TOP_LEVEL =
            List.of(CLUSTER, 0x114D9B74L, 0x1549A966L, 0x1654AE6BL, 0x1C53BB6BL, 0x1941A469L, 0x1043A770L, 0x1254C367L);

    private static final long UNKNOWN = -1;

    private WebmFile() {}

    /** Reads the file's structure; never throws for what the file holds, only when it cannot be read. */
    public static Inspection inspect(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Reader(ch).inspect();
        }
    }

    /**
     * Writes the whole blocks of {@code unfinished} into {@code repaired} as a finished WebM file (Segment
     * size, duration and cues written). The file is written beside {@code repaired} first and moved into
     * place once ffmpeg has succeeded, so {@code repaired} is never a half-written file.
     *
     * @throws IOException when ffmpeg fails or does not finish within a minute per 100 MB
     */
    public static void repair(Path unfinished, Path repaired, String ffmpeg) throws IOException {
        Path partial = repaired.resolveSibling(repaired.getFileName() + ".partial");
        Path log = repaired.resolveSibling(repaired.getFileName() + ".log");
        // ffmpeg (-y) and the error redirect follow links: whatever sits at these names beforehand (a link
        // planted in a copied disk, say, to a file this user may write) goes first. deleteIfExists removes a
        // link itself, never its target.
        Files.deleteIfExists(partial);
        Files.deleteIfExists(log);
        Process p = new ProcessBuilder(List.of(
                        ffmpeg,
                        "-hide_banner",
                        "-loglevel",
                        "error",
                        "-y",
                        "-i",
                        unfinished.toString(),
                        "-map",
                        "0",
                        "-c",
                        "copy",
                        "-f",
                        "webm",
                        partial.toString()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(log.toFile())
                .start();
        long seconds = 60 + Files.size(unfinished) / 100_000_000L * 60;
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("ffmpeg did not finish repairing " + unfinished.getFileName());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            Files.deleteIfExists(partial);
            throw new IOException("ffmpeg failed (" + p.exitValue() + ") repairing " + unfinished.getFileName() + ": "
                    + firstLine(log));
        }
        Files.move(partial, repaired, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(log);
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static String firstLine(Path log) {
        try {
            return Files.readAllLines(log).stream().findFirst().orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    /** A forward walk over element headers. */
    private static final class Reader {
        private final FileChannel ch;
        private final long size;
        /** A window of the file, so that walking small elements does not cost a read per byte. */
        private final ByteBuffer window = ByteBuffer.allocate(64 * 1024);

        private long windowStart = -1;
        private long pos;

        Reader(FileChannel ch) throws IOException {
            this.ch = ch;
            this.size = ch.size();
        }

        Inspection inspect() throws IOException {
            if (size == 0) {
                return new Inspection(State.EMPTY, 0);
            }
            long id = readId();
            if (id != EBML) {
                return new Inspection(State.NOT_WEBM, 0);
            }
            long headerSize = readSize();
            if (headerSize == UNKNOWN || headerSize < 0 || headerSize > 4096) {
                return new Inspection(State.NOT_WEBM, 0);
            }
            long headerEnd = pos + headerSize;
            if (headerEnd > size) {
                return new Inspection(State.UNFINISHED, 0);
            }
            if (!webmDocType(headerEnd)) {
                return new Inspection(State.NOT_WEBM, 0);
            }
            pos = headerEnd;
            if (pos == size) {
                return new Inspection(State.UNFINISHED, 0);
            }
            id = readId();
            if (id == -1) {
                return new Inspection(State.UNFINISHED, 0);
            }
            if (id != SEGMENT) {
                return new Inspection(State.NOT_WEBM, 0);
            }
            long segmentSize = readSize();
            if (segmentSize == -2) {
                return new Inspection(State.UNFINISHED, 0);
            }
            boolean finished = segmentSize != UNKNOWN && pos + segmentSize == size;
            long segmentEnd = segmentSize == UNKNOWN ? size : Math.min(size, pos + segmentSize);
            long frames = 0;
            boolean whole = true;
            while (pos < segmentEnd) {
                long start = pos;
                long child = readId();
                long childSize = child < 0 ? -2 : readSize();
                if (child < 0 || childSize == -2) {
                    whole = false;
                    break;
                }
                if (child == CLUSTER) {
                    long end = childSize == UNKNOWN ? segmentEnd : pos + childSize;
                    Cluster c = cluster(Math.min(end, segmentEnd), childSize == UNKNOWN);
                    frames += c.frames;
                    if (!c.whole || end > segmentEnd) {
                        whole = false;
                        break;
                    }
                    continue;
                }
                if (childSize == UNKNOWN || pos + childSize > segmentEnd) {
                    whole = false;
                    break;
                }
                pos += childSize;
                if (pos <= start) {
                    whole = false;
                    break;
                }
            }
            return new Inspection(finished && whole ? State.FINISHED : State.UNFINISHED, frames);
        }

        private record Cluster(long frames, boolean whole) {}

        /** Counts the whole blocks of a cluster whose payload starts at {@link #pos} and ends by {@code end}. */
        private Cluster cluster(long end, boolean unknownSize) throws IOException {
            long frames = 0;
            while (pos < end) {
                long start = pos;
                long id = readId();
                if (id < 0) {
                    return new Cluster(frames, false);
                }
                if (unknownSize && TOP_LEVEL.contains(id)) {
                    pos = start; // the next top-level element ends a cluster of unknown size
                    return new Cluster(frames, true);
                }
                long s = readSize();
                if (s < 0 || pos + s > end) {
                    return new Cluster(frames, false);
                }
                pos += s;
                if (id == SIMPLE_BLOCK || id == BLOCK_GROUP) {
                    frames++;
                }
            }
            return new Cluster(frames, pos == end);
        }

        private boolean webmDocType(long headerEnd) throws IOException {
            while (pos < headerEnd) {
                long id = readId();
                long s = id < 0 ? -2 : readSize();
                if (s < 0 || pos + s > headerEnd) {
                    return false;
                }
                if (id == DOC_TYPE) {
                    ByteBuffer b = ByteBuffer.allocate((int) Math.min(s, 16));
                    ch.read(b, pos);
                    String type = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
                    type = type.indexOf('\0') >= 0 ? type.substring(0, type.indexOf('\0')) : type;
                    return type.equals("webm") || type.equals("matroska");
                }
                pos += s;
            }
            return false;
        }

        /** An element ID with its length marker (RFC 8794 section 5), or -1 when cut or invalid. */
        private long readId() throws IOException {
            int first = readByte();
            if (first <= 0) {
                return -1;
            }
            int length = Integer.numberOfLeadingZeros(first) - 23;
            if (length > 4) {
                return -1;
            }
            long id = first;
            for (int i = 1; i < length; i++) {
                int b = readByte();
                if (b < 0) {
                    return -1;
                }
                id = (id << 8) | b;
            }
            return id;
        }

        /** A data size (RFC 8794 section 6): {@link #UNKNOWN} when all its value bits are set, -2 when cut. */
        private long readSize() throws IOException {
            int first = readByte();
            if (first <= 0) {
                return -2;
            }
            int length = Integer.numberOfLeadingZeros(first) - 23;
            long value = first & (0xff >>> length);
            boolean allOnes = value == (0xff >>> length);
            for (int i = 1; i < length; i++) {
                int b = readByte();
                if (b < 0) {
                    return -2;
                }
                value = (value << 8) | b;
                allOnes &= b == 0xff;
            }
            return allOnes ? UNKNOWN : value;
        }

        private int readByte() throws IOException {
            if (pos >= size) {
                return -1;
            }
            if (windowStart < 0 || pos < windowStart || pos >= windowStart + window.limit()) {
                window.clear();
                int n = ch.read(window, pos);
                if (n <= 0) {
                    return -1;
                }
                window.flip();
                windowStart = pos;
            }
            return window.get((int) (pos++ - windowStart)) & 0xff;
        }
    }
}
