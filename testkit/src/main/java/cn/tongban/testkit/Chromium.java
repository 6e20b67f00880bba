package cn.tongban.testkit;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The system's Chromium (no download) under Playwright, headless, with the flags that make WebRTC work on
 * loopback with a fake camera, microphone and screen and keep the browser off the network: the one place
 * the browser tests of every module launch it from. The path is {@code -Dtongban.chromium} (default {@code
 * /usr/bin/chromium}). Every launch gets a fresh temporary profile.
 */
public final class Chromium implements AutoCloseable {
    /** WebRTC on loopback with fake devices, and browser hygiene (ENVIRONMENT.md, "Browsers"). */
    public static final List<String> FLAGS = List.of(
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            "--allow-loopback-in-peer-connection",
            "--disable-features=WebRtcHideLocalIpsWithMdns",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync");

    private final Playwright playwright;
    private final Browser browser;

    private Chromium(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    /** Launches it with {@link #FLAGS}. */
    public static Chromium launch() {
        return launch(FLAGS);
    }

    /** Launches it with exactly these flags (e.g. {@link #FLAGS} with one replaced or added). */
    public static Chromium launch(List<String> flags) {
        Playwright playwright = Playwright.create(
                new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            Browser browser = playwright
                    .chromium()
                    .launch(new BrowserType.LaunchOptions()
                            .setExecutablePath(executable())
                            .setHeadless(true)
                            .setArgs(flags));
            return new Chromium(playwright, browser);
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
    }

    /** {@link #FLAGS} plus {@code extra}. */
    public static List<String> flagsWith(String... extra) {
        List<String> flags = new ArrayList<>(FLAGS);
        flags.addAll(List.of(extra));
        return List.copyOf(flags);
    }

    public static Path executable() {
        return Path.of(System.getProperty("tongban.chromium", "/usr/bin/chromium"));
    }

    public Browser browser() {
        return browser;
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }
}
