package cn.tongban.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TCP ports for test components that must be told their port before they start: a Hazelcast member that
 * others list, a node restarted at the same address, a child process such as {@code openssl ocsp}.
 * Components that can bind port 0 and report what they got should do that instead.
 *
 * <p>The usual "bind port 0, read the port, close the socket, hand the number on" races: the port comes
 * from the kernel's ephemeral range, and any outgoing connection made before the component binds (a
 * Hazelcast member connecting to another, a JDBC connection) may be given the same port as its local
 * end — "Port [36717] is already in use". A reserved port here cannot be taken that way:
 *
 * <ul>
 *   <li>it lies below the ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}), so the kernel
 *       never hands it to an outgoing connection or to a port-0 bind;
 *   <li>it is held by a lock file in {@code java.io.tmpdir/tongban-test-ports} for the life of this JVM,
 *       so test JVMs running side by side on one machine never reserve the same port;
 *   <li>nothing listened on it when it was reserved (checked with a bind on every interface).
 * </ul>
 */
public final class Ports {
    private static final Path LOCK_DIR = Path.of(System.getProperty("java.io.tmpdir"), "tongban-test-ports");
    /** How far below the ephemeral range reservations go. */
    private static final int SPAN = 12_000;
    /** Locks held until this JVM exits (the channels must stay open for the locks to hold). */
    private static final List<FileLock> HELD = new ArrayList<>();

    private Ports() {}

    /** Reserves a port for the life of this JVM (see the class comment). */
    public static synchronized int reserve() {
        int[] range = ephemeralRange();
        int high = range[0] - 1;
        int low = Math.max(1025, high - SPAN);
        try {
            Files.createDirectories(LOCK_DIR);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int span = high - low + 1;
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = low + (start + i) % span;
            FileLock lock = lock(port);
            if (lock == null) {
                continue;
            }
            if (bindable(port)) {
                HELD.add(lock);
                return port;
            }
            release(lock);
        }
        throw new IllegalStateException("no free port between " + low + " and " + high);
    }

    /** {@code n} reserved ports. */
    public static int[] reserve(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = reserve();
        }
        return ports;
    }

    /** The kernel's ephemeral port range {@code [first, last]} (Linux's default where it cannot be read). */
    static int[] ephemeralRange() {
        try {
            String[] parts = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .strip()
                    .split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {32768, 60999};
        }
    }

    private static FileLock lock(int port) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(
                    LOCK_DIR.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
            }
            return lock;
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(channel);
            return null;
        }
    }

    private static void release(FileLock lock) {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel below releases it anyway.
        }
        closeQuietly(lock.channel());
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing more to do for a lock file.
            }
        }
    }

    /** Nothing listens on the port on any local address. */
    static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
