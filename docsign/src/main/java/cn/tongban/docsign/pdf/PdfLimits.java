package cn.tongban.docsign.pdf;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Resource budget for reading an untrusted PDF.
 *
 * @param maxFileBytes largest accepted file
 * @param maxStreamDecodedBytes largest decoded size of one Flate stream
 * @param maxTotalDecodedBytes largest decoded size of all Flate streams together, and of everything
 *     the verifier decodes itself (validation data, appearance streams) in one document
 * @param maxParserMemoryBytes memory PDFBox may use for its stream cache while parsing
 * @param maxMillis CPU-time budget of one verification or inspection, in milliseconds of the calling
 *     thread's CPU time (not wall-clock time: a loaded machine slows a verification down but does not
 *     make it fail); exceeded → {@code PDF_RESOURCE_LIMIT}
 */
public record PdfLimits(
        long maxFileBytes,
        long maxStreamDecodedBytes,
        long maxTotalDecodedBytes,
        long maxParserMemoryBytes,
        long maxMillis) {
    /** Defaults sized for application packages: 64 MiB files and streams, 512 MiB in all, 20 s of CPU. */
    public static final PdfLimits DEFAULT = new PdfLimits(64L << 20, 64L << 20, 512L << 20, 256L << 20, 20_000);

    /**
     * How much longer than the CPU budget the wall clock may run before processing stops anyway: a
     * thread that gets no CPU for minutes is not making progress, whatever the cause.
     */
    static final long WALL_CLOCK_FACTOR = 20;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Limits with the default time budget. */
    public PdfLimits(
            long maxFileBytes, long maxStreamDecodedBytes, long maxTotalDecodedBytes, long maxParserMemoryBytes) {
        this(maxFileBytes, maxStreamDecodedBytes, maxTotalDecodedBytes, maxParserMemoryBytes, 20_000);
    }

    /** A budget starting now, bound to the calling thread. */
    public Deadline deadline() {
        return new Deadline(cpuNanos(), System.nanoTime(), maxMillis);
    }

    /**
     * The CPU time the calling thread has used, in nanoseconds; the wall clock where the JVM cannot
     * measure thread CPU time (then the budget is a wall-clock budget, as before).
     */
    static long cpuNanos() {
        if (THREADS.isCurrentThreadCpuTimeSupported()) {
            long t = THREADS.getCurrentThreadCpuTime();
            if (t >= 0) {
                return t;
            }
        }
        return System.nanoTime();
    }

    /**
     * A CPU-time budget of one thread, after which processing stops with {@code PDF_RESOURCE_LIMIT}.
     * Check it from the thread that created it.
     *
     * @param cpuStart the thread's CPU time when the budget started
     * @param wallStart {@link System#nanoTime()} when the budget started
     * @param budgetMillis the CPU budget
     */
    public record Deadline(long cpuStart, long wallStart, long budgetMillis) {
        /** Throws when the CPU budget (or the far larger wall-clock safety limit) is spent. */
        public void check() {
            long budget = budgetMillis * 1_000_000L;
            if (cpuNanos() - cpuStart > budget) {
                throw new DocsignException(
                        DocsignError.PDF_RESOURCE_LIMIT, "used more than " + budgetMillis + " ms of CPU time");
            }
            if (System.nanoTime() - wallStart > budget * WALL_CLOCK_FACTOR) {
                throw new DocsignException(
                        DocsignError.PDF_RESOURCE_LIMIT,
                        "took longer than " + budgetMillis * WALL_CLOCK_FACTOR + " ms of wall-clock time");
            }
        }
    }
}
