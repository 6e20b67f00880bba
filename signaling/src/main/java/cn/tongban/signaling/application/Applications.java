package cn.tongban.signaling.application;

import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.TrustServices;
import cn.tongban.docsign.sign.PadesSigner;
import cn.tongban.signaling.form.DraftStore;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.identity.IdentityService;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Parties;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.materials.MaterialService;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.KeyRing;
import cn.tongban.signaling.store.RecordingStore;
import cn.tongban.signaling.store.Records;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signed applications and their hand-off as the server assembles them: the signing service (protocol),
 * the owning hall's receiver, the outbox, the HTTP routes. The CJK font is opened on first use, so a node
 * without it still starts (signing then answers {@code SIGNING_UNAVAILABLE}).
 */
public final class Applications {
    private static final Logger LOG = LoggerFactory.getLogger(Applications.class);

    private final SigningService signing;
    private final HandoffReceiver receiver;
    private final Handoff handoff;
    private final ApplicationDesk desk;
    private volatile String selfUrl;

    private Applications(
            SigningService signing, HandoffReceiver receiver, Handoff handoff, ApplicationDesk desk, String selfUrl) {
        this.signing = signing;
        this.receiver = receiver;
        this.handoff = handoff;
        this.desk = desk;
        this.selfUrl = selfUrl;
    }

    public static Applications create(
            Path dataDir,
            EmbeddedPki pki,
            TrustServices trust,
            java.util.function.Function<String, List<X509Certificate>> partnerAnchors,
            FormCatalog forms,
            DraftStore drafts,
            MaterialService materials,
            IdentityService identity,
            DataSource db,
            KeyRing urlKeys,
            HazelcastInstance hz,
            Records records,
            QueueService queue,
            Supplier<ReferenceData> refdata,
            String publicUrl,
            Predicate<String> recordedMatter,
            Outbox outbox,
            Clock clock)
            throws IOException {
        Supplier<CjkFont> font = memoize(() -> {
            CjkFont f = CjkFont.openConfigured();
            LOG.info("Application PDFs use the font {}", f.path());
            return f;
        });
        Supplier<PadesSigner> signer = memoize(() -> new PadesSigner(trust, font.get()));
        ApplicationStore store = new ApplicationStore(db);
        BlobStore files = new BlobStore(db, clock);
        // Installations before V7 kept these files under the data directory.
        files.importDirectory(dataDir.resolve("applications"));
        files.importDirectory(dataDir.resolve("received"));
        // What a hall's signatures may chain to: this installation's own anchors, and the partner roots added with
        // `trust add --halls` for that hall — never another partner's, which could issue a seal in any hall's
        // name. Read at each verification, so an anchor added or removed holds at once.
        List<X509Certificate> own = List.copyOf(trust.trustAnchors());
        java.util.function.Function<String, List<X509Certificate>> anchors = hallId -> {
            List<X509Certificate> all = new ArrayList<>(own);
            all.addAll(partnerAnchors.apply(hallId));
            return all;
        };
        HandoffReceiver receiver =
                new HandoffReceiver(store, files, pki, anchors, signer, font, refdata, records, clock);
        Applications[] self = new Applications[1];
        Handoff handoff =
                new Handoff(store, files, receiver, pki, anchors, refdata, () -> self[0].selfUrl, records, clock);
        SigningService signing = new SigningService(
                forms,
                drafts,
                materials,
                identity,
                store,
                files,
                new Previews(dataDir.resolve("cache").resolve("previews")),
                new UrlSigner(urlKeys, clock),
                pki,
                signer,
                trust.trustAnchors(),
                font,
                new RecordingDigests(new RecordingStore(db), records.journal(), recordedMatter),
                handoff,
                queue,
                hz,
                records,
                refdata,
                outbox,
                clock);
        ApplicationDesk desk = new ApplicationDesk(
                store, signing, new HandoffOutbox(store, records::audit, clock), queue, refdata, records);
        self[0] = new Applications(signing, receiver, handoff, desk, publicUrl);
        return self[0];
    }

    public SigningService service() {
        return signing;
    }

    /** The clerk console's unfinished applications: finishing after the session, resending hand-offs. */
    public ApplicationDesk desk() {
        return desk;
    }

    /** The signed application's messages and the clerk console's unfinished applications. */
    public void register(Registry r, Parties parties) {
        signing.register(r, parties);
        desk.register(r);
    }

    /** The HTTP side: application pages and files by signed links, and the hand-off endpoint. */
    public ApplicationRoutes routes() {
        return new ApplicationRoutes(signing, receiver);
    }

    /**
     * The URL this node reaches itself at (the owning hall's node when a hall has no {@code nodeUrl}): the
     * loopback address and the port actually bound. The hand-off then still goes through HTTP, so a
     * single-node installation runs the same code as several.
     */
    public void listening(int port) {
        this.selfUrl = "http://127.0.0.1:" + port;
    }

    /** Re-sends due hand-offs. Blocking: run periodically on a worker. */
    public void retryHandoffs() {
        try {
            handoff.retryDue();
        } catch (RuntimeException e) {
            // The database may be briefly unavailable; the outbox is read again at the next round.
            LOG.warn("Hand-off retries skipped this round: {}", e.toString());
        }
    }

    private static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<>() {
            private volatile T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = s.get();
                }
                return value;
            }
        };
    }
}
