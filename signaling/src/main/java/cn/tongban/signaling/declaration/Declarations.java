package cn.tongban.signaling.declaration;

import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.Records;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The guided-declaration module as the server assembles it: forms, drafts, co-browsing and the HTTP
 * routes it adds. The server builds one, hands {@link #service()} to the signaling handler and
 * lets {@link #mount} add its routes.
 */
public final class Declarations {
    private final DeclarationService service;

    private Declarations(DeclarationService service) {
        this.service = service;
    }

    /** Loads and validates the forms (fails on a bad definition) and wires the parts. */
    public static Declarations create(
            Path dataDir,
            Supplier<ReferenceData> refdata,
            DataSource db,
            HazelcastInstance hz,
            Records records,
            Clock clock)
            throws IOException {
        FormCatalog forms = FormCatalog.load(
                dataDir,
                refdata.get().matters().stream().map(ReferenceData.Matter::id).toList());
        DeclarationService service = new DeclarationService(
                forms, new DraftStore(db), new CoBrowse(hz), records, AuditValues.open(dataDir), refdata, clock);
        return new Declarations(service);
    }

    public DeclarationService service() {
        return service;
    }

    /** Adds {@code GET /api/forms/:matterId}. Call before the {@code /api/*} catch-all. */
    public void mount(Router router) {
        router.get("/api/forms/:matterId").handler(new FormsHandler(service.forms()));
    }
}
