package cn.tongban.signaling.materials;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * Files content-addressed by SHA-256 under {@code <data-dir>/materials/<first two hex>/<sha256>}. Writing
 * the same content twice stores it once; a file is written to a temporary name and moved into place, so a
 * reader never sees half a file.
 */
public final class FileStore {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private final Path root;

    public FileStore(Path root) {
        this.root = root;
    }

    public Path path(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a SHA-256 hex digest");
        }
        return root.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    public void put(String sha256, byte[] content) {
        Path target = path(sha256);
        if (Files.exists(target)) {
            return;
        }
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "upload-", ".tmp");
            Files.write(tmp, content);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store material " + sha256, e);
        }
    }

    public byte[] get(String sha256) {
        try {
            return Files.readAllBytes(path(sha256));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read material " + sha256, e);
        }
    }
}
