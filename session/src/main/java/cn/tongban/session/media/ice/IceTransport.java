package cn.tongban.session.media.ice;

import java.beans.PropertyChangeEvent;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.Agent;
import org.ice4j.ice.CandidatePair;
import org.ice4j.ice.CandidateType;
import org.ice4j.ice.Component;
import org.ice4j.ice.IceMediaStream;
import org.ice4j.ice.IceProcessingState;
import org.ice4j.ice.KeepAliveStrategy;
import org.ice4j.ice.RemoteCandidate;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.ice4j.util.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's ICE transport (RFC 8445): one ice4j Agent with one stream and one component (RTP and
 * RTCP muxed, everything bundled). This is the only class family that speaks ice4j; callers see bytes in
 * and bytes out.
 *
 * <p>Threading: {@link DataHandler#onData} runs on ice4j's receive thread for the shared port and must not
 * block. {@link #send} may be called from any thread.
 */
public final class IceTransport implements AutoCloseable {

    /** Receives non-STUN datagrams from a remote address that ICE has authenticated. */
    @FunctionalInterface
    public interface DataHandler {
        void onData(byte[] buf, int off, int len, InetSocketAddress from);
    }

    private static final Logger LOG = LoggerFactory.getLogger(IceTransport.class);

    private final Agent agent;
    private final IceMediaStream stream;
    private final Component component;
    private final CompletableFuture<InetSocketAddress> connected = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile DataHandler handler = (b, o, l, f) -> {};
    /** Remote addresses known as the peer's candidates (signaled, or learnt from an authenticated check). */
    private final Set<InetSocketAddress> authenticated = ConcurrentHashMap.newKeySet();

    private final AtomicLong refused = new AtomicLong();

    private IceTransport(String name, boolean controlling, List<SinglePortUdpHarvester> harvesters) {
        try {
            agent = new Agent();
            if (harvesters.isEmpty()) {
                agent.setUseDynamicPorts(true);
            } else {
                agent.setUseDynamicPorts(false);
                harvesters.forEach(agent::addCandidateHarvester);
            }
            agent.setControlling(controlling);
            agent.addStateChangeListener(this::onStateChange);
            stream = agent.createMediaStream(name);
            // false: with the single-port harvester data arrives through the buffer callback (push API),
            // not through a merged component socket.
            component = agent.createComponent(stream, KeepAliveStrategy.ALL_SUCCEEDED, harvesters.isEmpty());
            component.setBufferCallback(this::onBuffer);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create ICE agent", e);
        }
    }

    static IceTransport controlled(String name, List<SinglePortUdpHarvester> harvesters) {
        return new IceTransport(name, false, harvesters);
    }

    /**
     * A controlling transport on its own ephemeral ports, as a browser would be. For tests and simulated
     * peers only: it reads with {@link #receiveBlocking}, not the push API.
     */
    public static IceTransport controllingOnEphemeralPorts(String name) {
        return new IceTransport(name, true, List.of());
    }

    public String localUfrag() {
        return agent.getLocalUfrag();
    }

    public String localPassword() {
        return agent.getLocalPassword();
    }

    public List<IceCandidate> localCandidates() {
        return component.getLocalCandidates().stream()
                .map(c -> new IceCandidate(
                        c.getFoundation(),
                        c.getPriority(),
                        c.getTransportAddress().getHostAddress(),
                        c.getTransportAddress().getPort()))
                .toList();
    }

    public void setDataHandler(DataHandler handler) {
        this.handler = handler;
    }

    /** Sets the peer's credentials and candidates (may be empty: peer-reflexive discovery) and starts. */
    public void start(String remoteUfrag, String remotePassword, List<IceCandidate> remoteCandidates) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        stream.setRemoteUfrag(remoteUfrag);
        stream.setRemotePassword(remotePassword);
        for (IceCandidate c : remoteCandidates) {
            component.addRemoteCandidate(new RemoteCandidate(
                    new TransportAddress(c.address(), c.port(), Transport.UDP),
                    component,
                    CandidateType.HOST_CANDIDATE,
                    c.foundation(),
                    c.priority(),
                    null));
        }
        agent.startConnectivityEstablishment();
    }

    /** Completes with the selected remote address once ICE has completed. */
    public CompletableFuture<InetSocketAddress> connected() {
        return connected;
    }

    public void send(byte[] buf, int off, int len) throws IOException {
        component.send(buf, off, len);
    }

    /** For {@link #controllingOnEphemeralPorts} transports: blocks for the next datagram. */
    public int receiveBlocking(byte[] buf) throws IOException {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        component.getSocket().receive(p);
        return p.getLength();
    }

    /**
     * Datagrams dropped because their source is none of the peer's candidates: the shared port routes by the
     * username of a binding request before its MESSAGE-INTEGRITY is checked, so one forged request would
     * otherwise open the endpoint to everything from the forger's address.
     */
    public long refusedDatagrams() {
        return refused.get();
    }

    private void onBuffer(Buffer b) {
        InetSocketAddress from = (InetSocketAddress) b.getRemoteAddress();
        if (!authenticated.contains(from) && !isPeerCandidate(from)) {
            refused.incrementAndGet();
            return;
        }
        try {
            handler.onData(b.getBuffer(), b.getOffset(), b.getLength(), from);
        } catch (RuntimeException e) {
            // A bug in one participant's pipeline must not kill ice4j's shared receive thread.
            LOG.warn("data handler failed", e);
        }
    }

    /**
     * Whether {@code from} is the remote side of one of the stream's candidate pairs. ice4j makes a pair
     * only for a candidate the peer signaled or for the source of a binding request that passed
     * MESSAGE-INTEGRITY (peer-reflexive), whatever the pair's state later. Remembered once true, so media
     * pays one set lookup; only unknown sources scan the (short) check list.
     */
    private boolean isPeerCandidate(InetSocketAddress from) {
        if (from == null) {
            return false;
        }
        CandidatePair selected = component.getSelectedPair();
        List<CandidatePair> pairs = new ArrayList<>(stream.getCheckList());
        if (selected != null) {
            pairs.add(selected);
        }
        for (CandidatePair p : pairs) {
            TransportAddress ta = p.getRemoteCandidate().getTransportAddress();
            if (ta.getPort() == from.getPort() && ta.getAddress().equals(from.getAddress())) {
                authenticated.add(from);
                return true;
            }
        }
        return false;
    }

    private void onStateChange(PropertyChangeEvent ev) {
        if (!Agent.PROPERTY_ICE_PROCESSING_STATE.equals(ev.getPropertyName())) {
            return;
        }
        IceProcessingState s = (IceProcessingState) ev.getNewValue();
        if (s == IceProcessingState.COMPLETED || s == IceProcessingState.TERMINATED) {
            var pair = component.getSelectedPair();
            if (pair != null) {
                TransportAddress ta = pair.getRemoteCandidate().getTransportAddress();
                connected.complete(new InetSocketAddress(ta.getAddress(), ta.getPort()));
            }
        } else if (s == IceProcessingState.FAILED) {
            connected.completeExceptionally(new IOException("ICE failed"));
        }
    }

    @Override
    public void close() {
        agent.free();
        connected.completeExceptionally(new IOException("closed"));
    }
}
