package cn.tongban.signaling.health;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Free space where the node writes (its data directory: the embedded database, materials, the PKI; and its
 * recordings). Below {@code minFree} on any of them it is {@link Level#DOWN} — a half-written material or
 * recording would be lost — and below four times that a {@link Level#WARN}.
 */
public final class DiskCheck implements HealthCheck {
    private final List<Path> paths;
    private final long minFree;

    /**
     * @param paths directories to watch (missing ones are watched through their nearest existing parent)
     * @param minFree bytes below which the node stops taking clients
     */
    public DiskCheck(List<Path> paths, long minFree) {
        this.paths = List.copyOf(paths);
        this.minFree = minFree;
    }

    @Override
    public String name() {
        return "disk";
    }

    @Override
    public Duration period() {
        return Duration.ofSeconds(30);
    }

    @Override
    public Result check() throws IOException {
        Level level = Level.OK;
        StringBuilder detail = new StringBuilder();
        for (Path p : paths) {
            Path existing = p.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                continue;
            }
            FileStore store = Files.getFileStore(existing);
            long free = store.getUsableSpace();
            Level l = free < minFree ? Level.DOWN : free < 4 * minFree ? Level.WARN : Level.OK;
            if (l.compareTo(level) > 0) {
                level = l;
            }
            if (detail.length() > 0) {
                detail.append("; ");
            }
            detail.append(p).append(": ").append(mib(free)).append(" MiB free");
        }
        if (level != Level.OK) {
            detail.append(" (needs ")
                    .append(mib(minFree))
                    .append(" MiB, warns below ")
                    .append(mib(4 * minFree))
                    .append(" MiB)");
        }
        return new Result(level, detail.toString());
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }
}
