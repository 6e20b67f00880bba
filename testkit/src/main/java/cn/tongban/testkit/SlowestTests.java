package cn.tongban.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Knows where the suite's time goes: records how long each test class took and, when a module's tests
 * end, prints the slowest classes of the whole build so far. Every module that has the test kit on its
 * test class path registers it (ServiceLoader), so the last module to run prints the whole suite's list.
 *
 * <p>Each module writes {@code <build root>/target/test-times/<module>.tsv}; the list joins the files of
 * the current build (same {@code tongban.build.id}, which the root pom sets to the build's start time).
 * Without those properties (a test run from an IDE) it stays silent.
 */
public final class SlowestTests implements TestExecutionListener {
    private static final int SHOWN = 12;

    private final Map<String, Long> started = new ConcurrentHashMap<>();
    private final Map<String, Long> millis = new ConcurrentHashMap<>();

    @Override
    public void executionStarted(TestIdentifier id) {
        className(id).ifPresent(c -> started.put(id.getUniqueId(), System.nanoTime()));
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        Long t0 = started.remove(id.getUniqueId());
        if (t0 != null) {
            className(id).ifPresent(c -> millis.merge(c, (System.nanoTime() - t0) / 1_000_000, Long::sum));
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        String root = System.getProperty("tongban.build.root");
        String build = System.getProperty("tongban.build.id");
        String module = System.getProperty("tongban.build.module");
        if (root == null || build == null || module == null || millis.isEmpty()) {
            return;
        }
        try {
            Path dir = Files.createDirectories(Path.of(root, "target", "test-times"));
            StringBuilder out = new StringBuilder("# build ").append(build).append('\n');
            millis.forEach((c, ms) -> out.append(module)
                    .append('\t')
                    .append(c)
                    .append('\t')
                    .append(ms)
                    .append('\n'));
            Files.writeString(dir.resolve(module + ".tsv"), out, StandardCharsets.UTF_8);
            System.out.println(report(dir, build));
        } catch (IOException | RuntimeException e) {
            System.out.println("[slowest tests] not recorded: " + e);
        }
    }

    /** The slowest classes over every module file of build {@code build} in {@code dir}. */
    static String report(Path dir, String build) throws IOException {
        List<String[]> rows = new ArrayList<>();
        long total = 0;
        List<String> modules = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".tsv")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                if (lines.isEmpty() || !lines.get(0).equals("# build " + build)) {
                    continue;
                }
                modules.add(f.getFileName().toString().replace(".tsv", ""));
                for (String line : lines.subList(1, lines.size())) {
                    String[] cols = line.split("\t");
                    if (cols.length == 3) {
                        rows.add(cols);
                        total += Long.parseLong(cols[2]);
                    }
                }
            }
        }
        rows.sort(Comparator.comparingLong((String[] r) -> Long.parseLong(r[2])).reversed());
        StringBuilder s = new StringBuilder()
                .append(String.format(
                        "%n[slowest tests] %d classes, %.0f s in all, modules so far: %s%n",
                        rows.size(), total / 1000.0, String.join(", ", modules)));
        for (String[] r : rows.subList(0, Math.min(SHOWN, rows.size()))) {
            s.append(String.format("[slowest tests] %7.1f s  %-10s %s%n", Long.parseLong(r[2]) / 1000.0, r[0], r[1]));
        }
        return s.toString();
    }

    private static java.util.Optional<String> className(TestIdentifier id) {
        return id.getSource().filter(ClassSource.class::isInstance).map(s -> ((ClassSource) s).getClassName());
    }
}
