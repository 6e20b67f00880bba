package cn.tongban.session.media.ice;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.Agent;
import org.ice4j.ice.harvest.AbstractUdpListener;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;

/**
 * The bridge's one UDP port, shared by every participant through ice4j's single-port harvester. Incoming
 * STUN binding requests are routed to an {@link IceTransport} by the username fragment; after that the
 * remote address identifies the transport. ice4j routes an address on the username alone, before the
 * request's MESSAGE-INTEGRITY is checked; {@link IceTransport} therefore passes on only datagrams from the
 * remote side of one of its candidate pairs.
 */
public final class IceUdpPort implements AutoCloseable {
    static {
        // Without this, ice4j's Agent constructor probes a cloud metadata address over HTTP.
        if (System.getProperty("ice4j.harvest.mapping.aws.enabled") == null) {
            System.setProperty("ice4j.harvest.mapping.aws.enabled", "false");
        }
        // Chromium, the controlling side, may move to another validated pair after ICE completed (e.g. from
        // its LAN address to loopback). Send where the browser last sent from (together with
        // KeepAliveStrategy.ALL_SUCCEEDED in IceTransport, which also keeps answering checks on those pairs
        // after ice4j's agent terminated) instead of sticking to the first selected pair.
        // One socket receives every participant's media; the OS default (~200 KB) overflows in bursts
        // (keyframes of several senders at once) whenever the receive thread is briefly descheduled.
        // Linux caps the value at net.core.rmem_max.
        if (System.getProperty("ice4j.harvest.udp.receive-buffer-size") == null) {
            System.setProperty("ice4j.harvest.udp.receive-buffer-size", "4194304");
        }
        if (System.getProperty("ice4j.send-to-last-received-from-address") == null) {
            System.setProperty("ice4j.send-to-last-received-from-address", "true");
        }
    }

    private final List<SinglePortUdpHarvester> harvesters;
    private final int port;

    private IceUdpPort(List<SinglePortUdpHarvester> harvesters, int port) {
        this.harvesters = harvesters;
        this.port = port;
    }

    /**
     * Binds the port on each address and warms up ice4j (the first Agent takes seconds to create).
     *
     * @param addresses the unicast addresses to bind and advertise as host candidates; not a wildcard
     */
    public static IceUdpPort open(List<InetAddress> addresses, int port) throws IOException {
        // Must precede the harvester: without the push API the component's buffer callback never fires.
        AbstractUdpListener.USE_PUSH_API = true;
        if (port != 0) {
            for (InetAddress a : addresses) {
                requireFree(a, port);
            }
        }
        List<SinglePortUdpHarvester> hs = new ArrayList<>();
        try {
            for (InetAddress a : addresses) {
                hs.add(new SinglePortUdpHarvester(new TransportAddress(a, port, Transport.UDP)));
            }
        } catch (IOException e) {
            hs.forEach(SinglePortUdpHarvester::close);
            throw e;
        }
        int bound = hs.isEmpty() ? port : hs.get(0).getLocalAddress().getPort();
        new Agent().free();
        return new IceUdpPort(hs, bound);
    }

    /**
     * Fails unless nothing else holds the port on this address. ice4j binds its socket so that a second one
     * can bind the same port as well (on Linux the last one bound then receives the datagrams): a second
     * server started on the same port would start without an error and take the first one's media. An
     * exclusive bind first, released at once, refuses that with the port named.
     */
    private static void requireFree(InetAddress address, int port) throws BindException {
        try (DatagramSocket probe = new DatagramSocket(null)) {
            probe.setReuseAddress(false);
            probe.bind(new InetSocketAddress(address, port));
        } catch (SocketException e) {
            BindException taken = new BindException("UDP port " + port + " on " + address.getHostAddress()
                    + " is already in use (another Tongban server or another program holds it); choose another"
                    + " --media-port or stop that program");
            taken.initCause(e);
            throw taken;
        }
    }

    /** The bound port (useful when 0 was asked for in tests). */
    public int port() {
        return port;
    }

    /** A new controlled ICE transport for one participant on this port. */
    public IceTransport newTransport(String name) {
        return IceTransport.controlled(name, harvesters);
    }

    @Override
    /**
     * Closes the port and waits (up to 2 s) until it can be bound again: ice4j's harvester releases its
     * socket from its own thread, and a bridge restarted on the same port at once would be refused.
     */
    public void close() {
        harvesters.forEach(SinglePortUdpHarvester::close);
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (SinglePortUdpHarvester h : harvesters) {
            InetAddress address = h.getLocalAddress().getAddress();
            while (System.nanoTime() < deadline) {
                try {
                    requireFree(address, port);
                    break;
                } catch (BindException stillHeld) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }
}
