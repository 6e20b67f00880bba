package cn.tongban.docsign.pdf;

/**
 * Resource budget for reading an untrusted PDF.
 *
 * @param maxFileBytes largest accepted file
 * @param maxStreamDecodedBytes largest decoded size of one Flate stream
 * @param maxTotalDecodedBytes largest decoded size of all Flate streams together
 * @param maxParserMemoryBytes memory PDFBox may use for its stream cache while parsing
 */
public record PdfLimits(
        long maxFileBytes, long maxStreamDecodedBytes, long maxTotalDecodedBytes, long maxParserMemoryBytes) {
    /** Defaults sized for application packages: 64 MiB files, 64 MiB per stream, 512 MiB in all. */
    public static final PdfLimits DEFAULT = new PdfLimits(64L << 20, 64L << 20, 512L << 20, 256L << 20);
}
