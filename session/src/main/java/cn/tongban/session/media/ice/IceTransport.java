package cn.tongban.session.media.ice;

import java.beans.PropertyChangeEvent;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.Agent;
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

    /** Receives non-STUN datagrams from the selected remote address. */
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

    private void onBuffer(Buffer b) {
        try {
            handler.onData(b.getBuffer(), b.getOffset(), b.getLength(), (InetSocketAddress) b.getRemoteAddress());
        } catch (RuntimeException e) {
            // A bug in one participant's pipeline must not kill ice4j's shared receive thread.
            LOG.warn("data handler failed", e);
        }
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
