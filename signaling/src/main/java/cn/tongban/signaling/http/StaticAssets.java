package cn.tongban.signaling.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import io.vertx.core.file.FileSystem;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web pages and their assets (web/README.md, "Caching and upgrades"): every response says
 * {@code Cache-Control: no-cache} and carries a strong {@code ETag} computed from the file's content, so a
 * browser may keep a copy but asks on every load whether it is still current. An unchanged file costs a
 * {@code 304 Not Modified} without a body; a file changed by an upgrade is fetched anew on the next load.
 *
 * <p>The names are not versioned (the pages import {@code ./assets/x.js} as plain ES modules, without a
 * bundler), so nothing may be marked {@code immutable} or given a {@code max-age}: Vert.x's own caching
 * headers ({@code public, immutable, max-age=86400} by default) are switched off. Vert.x serves the bytes
 * (content type, ranges, index page, no path escapes); this handler runs before it and only adds the
 * validators and answers the conditional requests.
 */
public final class StaticAssets implements Handler<RoutingContext> {
    static final String CACHE_CONTROL = "no-cache";
    private static final String INDEX = "index.html";

    private final FileSystem fs;
    private final String root;
    /** Content tags by file, valid while the file's size and modification time stay as recorded. */
    private final Map<String, Tag> tags = new ConcurrentHashMap<>();

    private record Tag(long lastModified, long size, String etag) {}

    private StaticAssets(Vertx vertx, String root) {
        this.fs = vertx.fileSystem();
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    /** Serves the class path's {@code webroot} (the tongban-web-ui jar) under {@code /}. */
    public static void install(Router router, Vertx vertx) {
        install(router, vertx, "webroot", StaticHandler.create("webroot"));
    }

    /** Serves the directory {@code dir} (an absolute path) under {@code /}; for tests of a changing file. */
    public static void installDirectory(Router router, Vertx vertx, String dir) {
        install(router, vertx, dir, StaticHandler.create(FileSystemAccess.ROOT, dir));
    }

    private static void install(Router router, Vertx vertx, String root, StaticHandler files) {
        router.route("/*")
                .handler(new StaticAssets(vertx, root))
                .handler(files.setIndexPage(INDEX).setCachingEnabled(false));
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpMethod method = ctx.request().method();
        String path = ctx.normalizedPath();
        if ((method != HttpMethod.GET && method != HttpMethod.HEAD) || path == null || path.indexOf('\0') >= 0) {
            ctx.next();
            return;
        }
        String file = root + (path.endsWith("/") ? path + INDEX : path);
        etag(file).onComplete(ar -> {
            if (ar.failed() || ar.result() == null) {
                ctx.next(); // not a file here: the static handler answers 404
                return;
            }
            String etag = ar.result();
            ctx.response().putHeader("Cache-Control", CACHE_CONTROL).putHeader("ETag", etag);
            if (matches(ctx.request().getHeader("If-None-Match"), etag)) {
                ctx.response().setStatusCode(304).end();
            } else {
                ctx.next();
            }
        });
    }

    /** The file's content tag, or null when it is not a regular file. */
    private Future<String> etag(String file) {
        return fs.props(file).compose(props -> {
            if (!props.isRegularFile()) {
                return Future.succeededFuture(null);
            }
            Tag known = tags.get(file);
            if (known != null && current(known, props)) {
                return Future.succeededFuture(known.etag());
            }
            return fs.readFile(file).map(bytes -> {
                String etag = contentTag(bytes);
                tags.put(file, new Tag(props.lastModifiedTime(), props.size(), etag));
                return etag;
            });
        });
    }

    private static boolean current(Tag tag, FileProps props) {
        return tag.lastModified() == props.lastModifiedTime() && tag.size() == props.size();
    }

    /** A strong entity tag: the first 128 bits of the content's SHA-256, quoted. */
    static String contentTag(Buffer bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.getBytes());
            byte[] head = java.util.Arrays.copyOf(digest, 16);
            return '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(head) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code If-None-Match}: a list of tags (weak ones compare by their opaque part, RFC 9110 13.1.2) or *. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.trim();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals("*") || c.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
