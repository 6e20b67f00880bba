package cn.tongban.docsign.pdf;

/**
 * Resource budget for reading an untrusted PDF.
 *
 * @param maxFileBytes largest accepted file
 * @param maxStreamDecodedBytes largest decoded size of one Flate stream
 * @param maxTotalDecodedBytes largest decoded size of all Flate streams together
 * @param maxParserMemoryBytes memory PDFBox may use for its stream cache while parsing
 * @param maxMillis wall-clock budget of one verification; exceeded → {@code PDF_RESOURCE_LIMIT}
 */
public record PdfLimits(
        long maxFileBytes,
        long maxStreamDecodedBytes,
        long maxTotalDecodedBytes,
        long maxParserMemoryBytes,
        long maxMillis) {
    /** Defaults sized for application packages: 64 MiB files and streams, 512 MiB in all, 20 s. */
    public static final PdfLimits DEFAULT = new PdfLimits(64L << 20, 64L << 20, 512L << 20, 256L << 20, 20_000);

    /** Limits with the default time budget. */
    public PdfLimits(
            long maxFileBytes, long maxStreamDecodedBytes, long maxTotalDecodedBytes, long maxParserMemoryBytes) {
        this(maxFileBytes, maxStreamDecodedBytes, maxTotalDecodedBytes, maxParserMemoryBytes, 20_000);
    }

    /** A deadline starting now. */
    public Deadline deadline() {
        return new Deadline(System.nanoTime() + maxMillis * 1_000_000L, maxMillis);
    }

    /** A point in time after which processing stops with {@code PDF_RESOURCE_LIMIT}. */
    public record Deadline(long nanoTime, long budgetMillis) {
        /** Throws when the deadline has passed. */
        public void check() {
            if (System.nanoTime() - nanoTime > 0) {
                throw new cn.tongban.docsign.DocsignException(
                        cn.tongban.docsign.DocsignError.PDF_RESOURCE_LIMIT, "took longer than " + budgetMillis + " ms");
            }
        }
    }
}
