package cn.tongban.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Measures a page's layout in the browser at a window size and fails on what a person would see as broken:
 * a page that scrolls where it must not, a call control outside the window (also after scrolling to the
 * end), controls or videos on top of each other, a self view covering more than a small share of the other
 * side's video. Then takes a picture of the window ({@code target/screenshots/layout/}; with {@code
 * -Dtongban.readmeScreens=true} also {@code web/README-screens/}, the pictures web/README.md shows).
 */
final class Layout {
    private Layout() {}

    /** A browser window's inner size. */
    record Size(int width, int height) {
        String label() {
            return width + "x" + height;
        }
    }

    static final Size SMALL_DESKTOP = new Size(1366, 768);
    static final Size FULL_HD = new Size(1920, 1080);
    static final Size PHONE = new Size(390, 844);
    static final List<Size> DESKTOPS = List.of(SMALL_DESKTOP, FULL_HD);
    static final List<Size> ALL = List.of(SMALL_DESKTOP, FULL_HD, PHONE);

    /** The largest share of the other side's video a self view may cover. */
    static final double SELF_VIEW_MAX_SHARE = 0.10;

    private static final Path LAYOUT_SHOTS = BrowserFixture.SCREENSHOTS.resolve("layout");
    private static final Path README_SHOTS = Paths.get("..", "README-screens");

    /**
     * What to check. {@code pageFits}: the document is no taller or wider than the window. {@code controls}:
     * selectors of controls that must be inside the window and not covered, at the top of the page and, if
     * {@code controlsAtEnd}, with the page scrolled to its end. {@code selfView}/{@code remoteVideo}: the
     * pair whose overlap is measured as a share instead of counted as an overlap. {@code scope}: where to look
     * for overlapping controls (empty: the whole page).
     */
    record Expect(
            boolean pageFits,
            List<String> controls,
            boolean controlsAtEnd,
            String selfView,
            String remoteVideo,
            List<String> scope) {

        static Expect page() {
            return new Expect(false, List.of(), false, null, null, List.of());
        }

        Expect noPageScroll() {
            return new Expect(true, controls, controlsAtEnd, selfView, remoteVideo, scope);
        }

        Expect controls(String... selectors) {
            return new Expect(pageFits, List.of(selectors), controlsAtEnd, selfView, remoteVideo, scope);
        }

        Expect alsoScrolledToEnd() {
            return new Expect(pageFits, controls, true, selfView, remoteVideo, scope);
        }

        Expect selfView(String self, String remote) {
            return new Expect(pageFits, controls, controlsAtEnd, self, remote, scope);
        }

        Expect within(String... roots) {
            return new Expect(pageFits, controls, controlsAtEnd, selfView, remoteVideo, List.of(roots));
        }
    }

    /**
     * In the page: the document's size against the window's, the given controls that are not wholly inside
     * the window (or are covered), every pair of visible controls and videos whose shown parts intersect, and
     * the share of the remote video the self view covers. "Shown" is the element's box cut by each ancestor
     * that clips it and by the window; an element wholly covered by another (nine points across it) is not.
     */
    private static final String MEASURE =
            """
            ({ controls, scope, self, remote }) => {
              const vw = window.innerWidth, vh = window.innerHeight;
              const cut = (a, b) => ({ left: Math.max(a.left, b.left), top: Math.max(a.top, b.top),
                                       right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom) });
              const area = (r) => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);
              const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
              const name = (el) => el.id ? '#' + el.id
                  : el.tagName.toLowerCase() + (el.dataset.action ? `[data-action=${el.dataset.action}]` : '')
                    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
              const shown = (el) => {
                if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return null;
                let r = box(el);
                for (let p = el.parentElement; p; p = p.parentElement) {
                  const s = getComputedStyle(p);
                  if (s.overflowX !== 'visible' || s.overflowY !== 'visible') r = cut(r, box(p));
                }
                r = cut(r, { left: 0, top: 0, right: vw, bottom: vh });
                if (r.right - r.left < 2 || r.bottom - r.top < 2) return null;
                // Shown where any of nine points across it finds it on top (so a control half under another counts).
                for (const fx of [0.15, 0.5, 0.85]) {
                  for (const fy of [0.15, 0.5, 0.85]) {
                    const hit = document.elementFromPoint(r.left + fx * (r.right - r.left), r.top + fy * (r.bottom - r.top));
                    if (hit && (hit === el || el.contains(hit))) return r;
                  }
                }
                return null;
              };
              const outside = [];
              for (const selector of controls) {
                const el = document.querySelector(selector);
                if (!el || !el.checkVisibility()) { outside.push(selector + ' (not shown)'); continue; }
                const r = box(el);
                const inside = r.left >= -0.5 && r.top >= -0.5 && r.right <= vw + 0.5 && r.bottom <= vh + 0.5;
                const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
                if (!inside || !(hit && (hit === el || el.contains(hit)))) {
                  outside.push(`${selector} at ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)}`
                      + (inside ? ' (covered by ' + (hit ? name(hit) : 'nothing') + ')' : ''));
                }
              }
              const roots = scope.length ? scope.map((s) => document.querySelector(s)).filter(Boolean) : [document];
              const candidates = roots.flatMap((root) => [...root.querySelectorAll(
                  'button, video, input, select, textarea, [role=tab], a.btn, label.btn')]);
              const seen = candidates.map((el) => [el, shown(el)]).filter(([, r]) => r);
              const selfEl = self && document.querySelector(self);
              const remoteEl = remote && document.querySelector(remote);
              const overlaps = [];
              for (let i = 0; i < seen.length; i++) {
                for (let j = i + 1; j < seen.length; j++) {
                  const [a, ra] = seen[i], [b, rb] = seen[j];
                  if (a.contains(b) || b.contains(a)) continue;
                  if ((a === selfEl && b === remoteEl) || (a === remoteEl && b === selfEl)) continue;
                  const c = cut(ra, rb);
                  if (c.right - c.left > 1 && c.bottom - c.top > 1) {
                    overlaps.push(`${name(a)} × ${name(b)}: ${Math.round(c.right - c.left)}×${Math.round(c.bottom - c.top)} px`);
                  }
                }
              }
              let selfShare = 0;
              if (selfEl && remoteEl && selfEl.checkVisibility() && remoteEl.checkVisibility()) {
                selfShare = area(cut(box(selfEl), box(remoteEl))) / Math.max(1, area(box(remoteEl)));
              }
              const page = document.scrollingElement;
              return { scrollHeight: page.scrollHeight, scrollWidth: page.scrollWidth,
                       innerHeight: vh, innerWidth: vw, outside, overlaps, selfShare, checked: seen.length };
            }
            """;

    /**
     * {@link #verify} and then a picture of the window, {@code <name>-<size>.png}, scrolled to the top.
     */
    static void check(Page page, String name, Size size, Expect expect) throws Exception {
        verify(page, name, size, expect);
        save(page, name + "-" + size.label() + ".png");
    }

    /**
     * Resizes the page's window to {@code size} and checks {@code expect} at the top of the page (and the
     * controls again at its end). Leaves the page scrolled to the top.
     */
    @SuppressWarnings("unchecked")
    static void verify(Page page, String name, Size size, Expect expect) {
        page.setViewportSize(size.width(), size.height());
        settle(page);
        page.evaluate("() => window.scrollTo(0, 0)");
        settle(page);
        Map<String, Object> report = measure(page, expect);
        String where = name + " at " + size.label() + ": ";
        System.out.printf("layout %s%s%n", where, report);
        if (expect.pageFits()) {
            assertThat(number(report, "scrollHeight"))
                    .as(where + "the page scrolls (document height against window height)")
                    .isLessThanOrEqualTo(number(report, "innerHeight"));
            assertThat(number(report, "scrollWidth"))
                    .as(where + "the page scrolls sideways")
                    .isLessThanOrEqualTo(number(report, "innerWidth"));
        }
        assertThat((List<String>) report.get("outside"))
                .as(where + "call controls outside the window or covered")
                .isEmpty();
        assertThat((List<String>) report.get("overlaps"))
                .as(where + "controls or videos on top of each other")
                .isEmpty();
        assertThat(number(report, "selfShare"))
                .as(where + "share of the other side's video the self view covers")
                .isLessThanOrEqualTo(SELF_VIEW_MAX_SHARE);
        if (expect.controlsAtEnd()) {
            page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)");
            settle(page);
            Map<String, Object> end = measure(page, expect);
            assertThat((List<String>) end.get("outside"))
                    .as(where + "call controls outside the window or covered, the page scrolled to its end")
                    .isEmpty();
            page.evaluate("() => window.scrollTo(0, 0)");
            settle(page);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> measure(Page page, Expect expect) {
        Map<String, Object> args = new java.util.HashMap<>();
        args.put("controls", expect.controls());
        args.put("scope", expect.scope());
        args.put("self", expect.selfView());
        args.put("remote", expect.remoteVideo());
        return (Map<String, Object>) page.evaluate(MEASURE, args);
    }

    /** Two animation frames: the layout of the new size, and anything a resize observer changed after it. */
    private static void settle(Page page) {
        page.evaluate(
                "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150))))");
    }

    private static void save(Page page, String fileName) throws Exception {
        List<Path> dirs = new ArrayList<>(List.of(LAYOUT_SHOTS));
        if (Boolean.getBoolean("tongban.readmeScreens")) {
            dirs.add(README_SHOTS);
        }
        byte[] png = page.screenshot();
        for (Path dir : dirs) {
            Files.createDirectories(dir);
            Files.write(dir.resolve(fileName), png);
        }
    }

    private static double number(Map<String, Object> report, String key) {
        return ((Number) report.get(key)).doubleValue();
    }
}
