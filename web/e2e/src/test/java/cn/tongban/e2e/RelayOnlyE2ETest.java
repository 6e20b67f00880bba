package cn.tongban.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.config.IceOptions;
import cn.tongban.testkit.Coturn;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A call through the media bridge with {@code --ice-transport-policy relay}: both pages may use only
 * candidates relayed by a real coturn running the shipped deploy/coturn/turnserver.conf (see {@link Coturn}),
 * with the time-limited credentials the node hands them once they hold a ticket or an account. Each page
 * decodes the other's camera, and the candidate pair its transport selected is a relayed one — also after
 * the applicant's page reloads mid-call and resumes. Skipped where
 * coturn is not installed ({@code apt-get install coturn}; .ci/run installs it).
 */
class RelayOnlyE2ETest {
    private static final String SECRET = HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(32));
    private static Coturn coturn;
    private static Path coturnDir;

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create(
            "relay-e2e",
            30_000,
            b -> b.ice(new IceOptions(
                    List.of(),
                    new IceOptions.Turn(
                            List.of("turn:127.0.0.1:" + coturn().port() + "?transport=udp"),
                            SECRET,
                            Duration.ofHours(1)),
                    true)));

    /** Started when the server's options are built (before the server), or the class is skipped. */
    private static Coturn coturn() {
        if (coturn == null) {
            Assumptions.assumeTrue(
                    Coturn.binary() != null,
                    "coturn's turnserver is not installed (apt-get install coturn); .ci/run installs it");
            try {
                coturnDir = Files.createTempDirectory("tongban-relay-e2e-coturn-");
                // verbose: coturn logs each allocation with its user name, which the test reads.
                coturn = Coturn.start(
                        Path.of("..", "..", "deploy", "coturn", "turnserver.conf"),
                        coturnDir,
                        SECRET,
                        List.of("verbose"));
            } catch (Exception e) {
                throw new IllegalStateException("coturn did not start", e);
            }
        }
        return coturn;
    }

    @AfterAll
    static void stopCoturn() throws Exception {
        if (coturn != null) {
            coturn.close();
        }
        if (coturnDir != null) {
            try (var files = Files.walk(coturnDir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void aCallWithRelayedCandidatesOnlyGoesThroughCoturn() throws Exception {
        Page clerk = E2E.browser().clerk("relay-clerk", "wujin01", true);
        Page applicant = E2E.browser().newPage("relay-applicant");
        String number = E2E.browser().join(applicant, "property-certificate", "cz-wujin-bdc", "周八", "13412345678");
        assertThat(clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(number)))
                .isVisible();
        clerk.click("#take-next");
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(applicant.evaluate("() => window.tongban.state().media")).isEqualTo("bridge");

        BrowserFixture.awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
        assertRelayed(applicant, clerk);

        // The applicant reloads mid-call: the fresh page has no credentials until it resumes the ticket, and
        // builds its new peer connection on the resumed session's "paired", which comes after them.
        applicant.evaluate("() => window.tongban.pc().tongbanOld = true");
        clerk.evaluate("() => window.tongban.pc().tongbanOld = true");
        applicant.reload();
        assertThat(applicant.locator("#step-call")).isVisible();
        applicant.waitForFunction("() => window.tongban.pc() && !window.tongban.pc().tongbanOld");
        clerk.waitForFunction("() => window.tongban.pc() && !window.tongban.pc().tongbanOld");
        BrowserFixture.awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
        assertRelayed(applicant, clerk);
        // coturn allocated for the users the node named: "<expiry>:<random id>" (no name, no number).
        String log = coturn.log();
        assertThat(log).containsPattern("user <\\d+:[A-Za-z0-9_-]{16}>");
        assertThat(log).doesNotContain("周八", "13412345678", "wujin01");
    }

    /** Each page's peer connection may use relayed candidates only, and the pair it selected is relayed. */
    private static void assertRelayed(Page... pages) {
        for (Page page : pages) {
            Map<?, ?> config = (Map<?, ?>) page.evaluate("() => window.tongban.pc().getConfiguration()");
            assertThat(config.get("iceTransportPolicy")).isEqualTo("relay");
            assertThat(selectedLocalCandidate(page)).as(page.url()).startsWith("relay 127.0.0.1:");
        }
    }

    /** "relay 127.0.0.1:port" for the local candidate of the pair the page's transport selected. */
    private static String selectedLocalCandidate(Page page) {
        Map<?, ?> t = (Map<?, ?>) page.evaluate("async () => window.tongban.transport()");
        Object selected = t.get("selectedPair");
        for (Object p : (List<?>) t.get("pairs")) {
            Map<?, ?> pair = (Map<?, ?>) p;
            if (pair.get("id").equals(selected)) {
                return String.valueOf(pair.get("local"));
            }
        }
        throw new AssertionError("no selected candidate pair: " + t);
    }
}
