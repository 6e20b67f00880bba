package cn.tongban.session.media.impl;

import cn.tongban.session.media.ice.IceCandidate;
import cn.tongban.session.media.ice.IceTransport;
import java.io.IOException;
import java.util.List;

/**
 * What an endpoint needs from the network. The real one is ICE on the shared port; the benchmark plugs in
 * an in-memory one so it measures the pipeline, not the kernel.
 */
public interface EndpointTransport extends AutoCloseable {
    String localUfrag();

    String localPassword();

    List<IceCandidate> localCandidates();

    void start(String remoteUfrag, String remotePassword);

    void setReceiver(IceTransport.DataHandler receiver);

    void send(byte[] buf, int off, int len) throws IOException;

    @Override
    void close();

    static EndpointTransport ice(IceTransport ice) {
        return new EndpointTransport() {
            @Override
            public String localUfrag() {
                return ice.localUfrag();
            }

            @Override
            public String localPassword() {
                return ice.localPassword();
            }

            @Override
            public List<IceCandidate> localCandidates() {
                return ice.localCandidates();
            }

            @Override
            public void start(String remoteUfrag, String remotePassword) {
                ice.start(remoteUfrag, remotePassword, List.of());
            }

            @Override
            public void setReceiver(IceTransport.DataHandler receiver) {
                ice.setDataHandler(receiver);
            }

            @Override
            public void send(byte[] buf, int off, int len) throws IOException {
                ice.send(buf, off, len);
            }

            @Override
            public void close() {
                ice.close();
            }
        };
    }
}
