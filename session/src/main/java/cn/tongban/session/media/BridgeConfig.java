package cn.tongban.session.media;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Bridge settings.
 *
 * @param port the one UDP port for all participants (0 picks a free port, for tests)
 * @param addresses the unicast addresses to bind and advertise as host candidates
 * @param rembBitrate the most the bridge lets any sender's video use, bits per second: the REMB it sends a
 *     sender is what the sender's receivers report they can take, never more than this
 * @param rtcpIntervalMillis how often the bridge sends RR + REMB to each participant
 * @param maxPacketsPerSecond per-participant inbound limit; beyond it datagrams are dropped and counted
 * @param ffmpeg the ffmpeg executable recording uses to write WebM
 * @param forwardingThreads worker threads running the receive pipelines (decrypt, forward, re-encrypt);
 *     0 runs them inline on ice4j's single receive thread (lowest latency, one core at most)
 * @param advertisedAddresses extra addresses put in every offer as host candidates on the bridge's port,
 *     without binding them: the public address of a 1:1 NAT that forwards {@code public:port} to one of
 *     {@code addresses} (the bridge never initiates, so the browsers' checks to the public address are
 *     answered from the bound one and the NAT maps them back)
 */
public record BridgeConfig(
        int port,
        List<InetAddress> addresses,
        long rembBitrate,
        long rtcpIntervalMillis,
        int maxPacketsPerSecond,
        String ffmpeg,
        int forwardingThreads,
        List<InetAddress> advertisedAddresses) {

    public static final int DEFAULT_PORT = 10000;

    public BridgeConfig {
        addresses = List.copyOf(addresses);
        advertisedAddresses = List.copyOf(advertisedAddresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("at least one address");
        }
        if (forwardingThreads < 0) {
            throw new IllegalArgumentException("forwardingThreads must be >= 0");
        }
    }

    /** Port 10000 on every IPv4 address of the machine's up interfaces (loopback included). */
    public static BridgeConfig defaults() {
        return new BridgeConfig(
                DEFAULT_PORT,
                localAddresses(),
                4_000_000,
                500,
                5_000,
                "ffmpeg",
                Runtime.getRuntime().availableProcessors(),
                List.of());
    }

    /** Loopback only, on the given port: for tests and the local demo. */
    public static BridgeConfig loopback(int port) {
        return new BridgeConfig(
                port,
                List.of(InetAddress.getLoopbackAddress()),
                4_000_000,
                500,
                5_000,
                "ffmpeg",
                Runtime.getRuntime().availableProcessors(),
                List.of());
    }

    public BridgeConfig withPort(int p) {
        return new BridgeConfig(
                p,
                addresses,
                rembBitrate,
                rtcpIntervalMillis,
                maxPacketsPerSecond,
                ffmpeg,
                forwardingThreads,
                advertisedAddresses);
    }

    public BridgeConfig withMaxPacketsPerSecond(int max) {
        return new BridgeConfig(
                port, addresses, rembBitrate, rtcpIntervalMillis, max, ffmpeg, forwardingThreads, advertisedAddresses);
    }

    public BridgeConfig withForwardingThreads(int threads) {
        return new BridgeConfig(
                port,
                addresses,
                rembBitrate,
                rtcpIntervalMillis,
                maxPacketsPerSecond,
                ffmpeg,
                threads,
                advertisedAddresses);
    }

    public BridgeConfig withFfmpeg(String executable) {
        return new BridgeConfig(
                port,
                addresses,
                rembBitrate,
                rtcpIntervalMillis,
                maxPacketsPerSecond,
                executable,
                forwardingThreads,
                advertisedAddresses);
    }

    /** Binds and advertises these addresses instead of the defaults. */
    public BridgeConfig withAddresses(List<InetAddress> bind) {
        return new BridgeConfig(
                port,
                bind,
                rembBitrate,
                rtcpIntervalMillis,
                maxPacketsPerSecond,
                ffmpeg,
                forwardingThreads,
                advertisedAddresses);
    }

    /** Also advertises these (unbound) addresses, e.g. a 1:1 NAT's public address. */
    public BridgeConfig withAdvertisedAddresses(List<InetAddress> advertised) {
        return new BridgeConfig(
                port,
                addresses,
                rembBitrate,
                rtcpIntervalMillis,
                maxPacketsPerSecond,
                ffmpeg,
                forwardingThreads,
                advertised);
    }

    private static List<InetAddress> localAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        out.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            // Fall through to loopback.
        }
        return out.isEmpty() ? List.of(InetAddress.getLoopbackAddress()) : out;
    }
}
