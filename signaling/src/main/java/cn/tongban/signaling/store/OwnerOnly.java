package cn.tongban.signaling.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Files and directories only the server's own account may read: the Java equivalent of {@code umask 077}
 * for what the server keeps (the database, keystores, recordings). A JVM cannot change its umask, so files
 * are created with owner-only permissions where the server creates them, and {@link #tighten} closes what
 * other code (H2, an older version, an operator's copy) left open. On a file system without POSIX
 * permissions every method does nothing: the directory's own protection applies there.
 */
public final class OwnerOnly {
    /** {@code rw-------}. */
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    /** {@code rwx------}. */
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private static final Set<PosixFilePermission> OTHERS = Set.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    /** How many entries {@link #tighten} looks at, at most: a start must not walk a huge tree. */
    static final int MAX_ENTRIES = 200_000;

    private OwnerOnly() {}

    /** Whether {@code path}'s file system has POSIX permissions. */
    public static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Creates {@code dir} and any missing parent inside it as {@code rwx------}. */
    public static Path createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.exists(parent)) {
            createDirectories(parent);
        }
        try {
            if (posix(dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
            } else {
                Files.createDirectory(dir);
            }
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // Another thread or process created it first.
        }
        return dir;
    }

    /** The attribute that creates a file owner-only, for {@code Files.newByteChannel} and friends. */
    public static FileAttribute<?>[] fileAttributes(Path file) {
        return posix(file)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
                : new FileAttribute<?>[0];
    }

    /** Writes {@code bytes} to a new or replaced file, owner-only from the start (never readable by others). */
    public static void write(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        createDirectories(dir);
        // A name of its own: two processes replacing one file must not share a temporary file.
        Path tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp", fileAttributes(dir));
        Files.write(tmp, bytes);
        Files.move(
                tmp,
                file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Makes one file or directory owner-only. */
    public static void restrict(Path path) {
        if (!posix(path)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(path, Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? DIRECTORY : FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether other accounts have any permission on {@code path} (false without POSIX permissions). */
    public static boolean open(Path path) throws IOException {
        if (!posix(path)) {
            return false;
        }
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission o : OTHERS) {
            if (p.contains(o)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What {@link #tighten} found.
     *
     * @param tightened entries other accounts could reach (they and every directory above them inside the
     *     root were open), now owner-only
     * @param untouchable entries still open because they cannot be changed (owned by another account)
     * @param sheltered entries that were open but inside an owner-only directory (nobody else could reach
     *     them), now owner-only too
     */
    public record Report(List<Path> tightened, List<Path> untouchable, int sheltered) {}

    /**
     * Makes {@code root} and everything under it owner-only, and says what was open. Symbolic links are
     * not followed. Stops after {@value #MAX_ENTRIES} entries.
     */
    public static Report tighten(Path root) throws IOException {
        List<Path> tightened = new ArrayList<>();
        List<Path> untouchable = new ArrayList<>();
        int[] sheltered = {0};
        if (!posix(root) || !Files.exists(root)) {
            return new Report(tightened, untouchable, 0);
        }
        int[] seen = {0};
        // Whether each directory on the current path could be entered by other accounts before this walk.
        java.util.Deque<Boolean> reachable = new java.util.ArrayDeque<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                boolean parentReachable = reachable.isEmpty() || reachable.peek();
                boolean open = open(dir);
                check(dir, parentReachable);
                reachable.push(parentReachable && open);
                return ++seen[0] > MAX_ENTRIES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                reachable.pop();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile() || attrs.isDirectory()) {
                    check(file, reachable.isEmpty() || reachable.peek());
                }
                return ++seen[0] > MAX_ENTRIES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                untouchable.add(file);
                return FileVisitResult.CONTINUE;
            }

            private void check(Path p, boolean parentReachable) throws IOException {
                if (!open(p)) {
                    return;
                }
                try {
                    restrict(p);
                    if (parentReachable) {
                        tightened.add(p);
                    } else {
                        sheltered[0]++;
                    }
                } catch (UncheckedIOException e) {
                    untouchable.add(p);
                }
            }
        });
        return new Report(tightened, untouchable, sheltered[0]);
    }
}
