package cn.tongban.signaling.config;

import cn.tongban.session.media.BridgeConfig;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How this node carries media.
 *
 * @param mode bridge (default) or peer-to-peer
 * @param port the bridge's one UDP port (0 picks a free one, for tests)
 * @param addresses addresses the bridge binds and offers as host candidates; empty: every IPv4 address of
 *     the machine's up interfaces (loopback included). Independent of the HTTP bind address, which is often
 *     loopback behind a TLS proxy while media must be reachable from browsers.
 * @param advertisedAddresses extra (public) addresses offered as candidates without binding them, for a
 *     1:1 NAT in front of the node (see docs/network.md)
 * @param recordingDir where recordings go, one folder per session; null: {@code <data-dir>/recordings}
 * @param ffmpeg the ffmpeg executable the recorder pipes frames to
 */
public record MediaOptions(
        MediaMode mode,
        int port,
        List<String> addresses,
        List<String> advertisedAddresses,
        Path recordingDir,
        String ffmpeg) {

    public static final int DEFAULT_PORT = BridgeConfig.DEFAULT_PORT;

    public MediaOptions {
        addresses = List.copyOf(addresses);
        advertisedAddresses = List.copyOf(advertisedAddresses);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("media port must be 0..65535");
        }
    }

    /** Bridge mode on the given port, default addresses, recordings under the data directory. */
    public static MediaOptions bridge(int port) {
        return new MediaOptions(MediaMode.BRIDGE, port, List.of(), List.of(), null, "ffmpeg");
    }

    public MediaOptions withMode(MediaMode m) {
        return new MediaOptions(m, port, addresses, advertisedAddresses, recordingDir, ffmpeg);
    }

    public MediaOptions withPort(int p) {
        return new MediaOptions(mode, p, addresses, advertisedAddresses, recordingDir, ffmpeg);
    }

    /** The recordings folder in effect. */
    public Path recordingDir(Path dataDir) {
        return recordingDir != null ? recordingDir : dataDir.resolve("recordings");
    }

    /** The bridge configuration. */
    public BridgeConfig bridgeConfig() {
        BridgeConfig base = BridgeConfig.defaults().withPort(port).withFfmpeg(ffmpeg);
        if (!addresses.isEmpty()) {
            base = base.withAddresses(resolve(addresses));
        }
        return base.withAdvertisedAddresses(resolve(advertisedAddresses));
    }

    private static List<InetAddress> resolve(List<String> names) {
        List<InetAddress> out = new ArrayList<>();
        for (String n : names) {
            try {
                out.add(InetAddress.getByName(n));
            } catch (UnknownHostException e) {
                throw new UncheckedIOException("unknown media address " + n, e);
            }
        }
        return out;
    }
}
