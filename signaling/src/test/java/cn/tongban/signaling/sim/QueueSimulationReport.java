package cn.tongban.signaling.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Regenerates the tables and charts of {@code docs/queue-simulation.md}: run {@link #main} with the docs
 * folder as argument, or through Maven:
 *
 * <pre>./mvnw -B -q -pl signaling -am verify -Dtest=QueueSimulationReport -Dsurefire.failIfNoSpecifiedTests=false -Dtongban.sim.report=../docs</pre>
 *
 * It writes {@code queue-simulation-erlang.png}, {@code queue-simulation-overflow.png} and {@code
 * queue-simulation-results.md} (the tables, pasted into the document). Fixed seed: the output is the same
 * on every run.
 */
public final class QueueSimulationReport {
    private static final double[] LOADS = {0.5, 0.6, 0.7, 0.8, 0.85, 0.9};
    private static final Integer[] THRESHOLDS = {null, 30, 20, 10, 5, 0};
    private static final int POOLED_DAYS = 4000;
    private static final int DAYS = 500;

    @Test
    @EnabledIfSystemProperty(named = "tongban.sim.report", matches = ".+")
    void regenerate() throws IOException {
        main(new String[] {System.getProperty("tongban.sim.report")});
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path out = Path.of(args.length > 0 ? args[0] : "docs");
        Files.createDirectories(out);
        StringBuilder md = new StringBuilder();

        // 1. Pooled single skill against Erlang C.
        int c = 5;
        double service = 10;
        md.append("### Pooled single skill (c = 5 clerks, exponential service, mean 10 min)\n\n")
                .append("| load ρ | tickets | mean wait sim | Erlang C | diff | p95 sim | Erlang C | diff |"
                        + " P(wait) sim | Erlang C | ETA MAE | ETA bias | old formula MAE |\n")
                .append(
                        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        List<Double> simMean = new ArrayList<>();
        List<Double> simP95 = new ArrayList<>();
        for (double rho : LOADS) {
            QueueSimulation.Result r =
                    QueueSimulation.inMemory(Scenarios.pooled(c, rho, service, POOLED_DAYS, Scenarios.SEED));
            ErlangC ec = new ErlangC(c, rho * c / service, 1 / service);
            QueueSimulation.QueueResult q = r.all;
            double ecMean = ec.meanWait() * 60;
            double ecP95 = ec.waitQuantile(0.95) * 60;
            simMean.add(q.meanWait() / 60);
            simP95.add(q.p95Wait() / 60);
            md.append(String.format(
                    Locale.ROOT,
                    "| %.2f | %,d | %.0f s | %.0f s | %+.1f%% | %.0f s | %.0f s | %s | %.3f | %.3f | %.0f s | %+.0f s | %.0f s |%n",
                    rho,
                    r.tickets,
                    q.meanWait(),
                    ecMean,
                    100 * (q.meanWait() / ecMean - 1),
                    q.p95Wait(),
                    ecP95,
                    ecP95 == 0 ? "—" : String.format(Locale.ROOT, "%+.1f%%", 100 * (q.p95Wait() / ecP95 - 1)),
                    q.probabilityOfWaiting(),
                    ec.probabilityOfWaiting(),
                    q.etaMae(),
                    q.etaBias(),
                    q.oldEtaMae()));
        }
        erlangChart(c, service, simMean, simP95, out.resolve("queue-simulation-erlang.png"));

        // 2. Multi-skill.
        QueueSimulation.Result multi = QueueSimulation.inMemory(Scenarios.multiSkill(DAYS, Scenarios.SEED));
        md.append("\n### Multi-skill (one hall; 3 property, 2 business, 2 cross-trained clerks; ")
                .append(DAYS)
                .append(" days)\n\n| queue | tickets | mean wait | p95 wait | ETA MAE | ETA bias |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (String matter : List.of("property", "business")) {
            QueueSimulation.QueueResult q = multi.queue("wujin", matter);
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %.0f s | %.0f s | %.0f s | %+.0f s |%n",
                    matter,
                    q.waits.size(),
                    q.meanWait(),
                    q.p95Wait(),
                    q.etaMae(),
                    q.etaBias()));
        }

        // 3. Overflow.
        md.append("\n### Overflow (Wujin 17/h on 4 clerks, Qingpu 10/h on 4 clerks, 15 min; ")
                .append(DAYS)
                .append(" days)\n\n| rule | Wujin mean | Wujin p95 | Qingpu mean | Qingpu p95 |"
                        + " Wujin tickets served by Qingpu | Qingpu tickets served by Wujin | ETA MAE Wujin |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        List<String> labels = new ArrayList<>();
        List<Double> wujinP95 = new ArrayList<>();
        List<Double> qingpuP95 = new ArrayList<>();
        for (Integer threshold : THRESHOLDS) {
            QueueSimulation.Result r = QueueSimulation.inMemory(Scenarios.overflow(threshold, DAYS, Scenarios.SEED));
            QueueSimulation.QueueResult w = r.queue("wujin", "property");
            QueueSimulation.QueueResult q = r.queue("qingpu", "property");
            String label = threshold == null ? "no agreement" : "threshold " + threshold + " min";
            labels.add(threshold == null ? "none" : threshold + " min");
            wujinP95.add(w.p95Wait() / 60);
            qingpuP95.add(q.p95Wait() / 60);
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.0f s | %.0f s | %.0f s | %.0f s | %.1f%% | %.1f%% | %.0f s |%n",
                    label,
                    w.meanWait(),
                    w.p95Wait(),
                    q.meanWait(),
                    q.p95Wait(),
                    100.0 * w.overflowTakes / w.waits.size(),
                    100.0 * q.overflowTakes / q.waits.size(),
                    w.etaMae()));
        }
        overflowChart(labels, wujinP95, qingpuP95, out.resolve("queue-simulation-overflow.png"));
        Files.writeString(out.resolve("queue-simulation-results.md"), md);
        System.out.println(md);
    }

    private static void erlangChart(int c, double service, List<Double> simMean, List<Double> simP95, Path file)
            throws IOException {
        XYChart chart = new XYChartBuilder()
                .width(760)
                .height(440)
                .title("Pooled single skill: simulated waits vs Erlang C (c = " + c + ", mean service " + (int) service
                        + " min)")
                .xAxisTitle("load ρ")
                .yAxisTitle("wait (minutes)")
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW).setMarkerSize(9);
        double[] fine = new double[41];
        double[] ecMean = new double[fine.length];
        double[] ecP95 = new double[fine.length];
        for (int i = 0; i < fine.length; i++) {
            fine[i] = 0.5 + 0.4 * i / (fine.length - 1);
            ErlangC ec = new ErlangC(c, fine[i] * c / service, 1 / service);
            ecMean[i] = ec.meanWait();
            ecP95[i] = ec.waitQuantile(0.95);
        }
        chart.addSeries("Erlang C mean", fine, ecMean).setMarker(SeriesMarkers.NONE);
        chart.addSeries("Erlang C p95", fine, ecP95).setMarker(SeriesMarkers.NONE);
        chart.addSeries(
                        "simulated mean",
                        LOADS,
                        simMean.stream().mapToDouble(Double::doubleValue).toArray())
                .setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                .setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries(
                        "simulated p95",
                        LOADS,
                        simP95.stream().mapToDouble(Double::doubleValue).toArray())
                .setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                .setMarker(SeriesMarkers.DIAMOND);
        BitmapEncoder.saveBitmap(chart, strip(file), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void overflowChart(List<String> labels, List<Double> wujin, List<Double> qingpu, Path file)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder()
                .width(760)
                .height(440)
                .title("Overflow: p95 wait by overflow threshold (Wujin overloaded, Qingpu partner)")
                .xAxisTitle("overflow threshold (owning hall's expected wait)")
                .yAxisTitle("p95 wait (minutes)")
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.addSeries("Wujin (owning hall, ρ ≈ 1.06)", labels, wujin);
        chart.addSeries("Qingpu (partner, ρ ≈ 0.63)", labels, qingpu);
        BitmapEncoder.saveBitmap(chart, strip(file), BitmapEncoder.BitmapFormat.PNG);
    }

    /** XChart appends the extension itself. (PNG: the SVG writer draws every glyph as a path, 10× larger.) */
    private static String strip(Path file) {
        String s = file.toString();
        return s.endsWith(".png") ? s.substring(0, s.length() - 4) : s;
    }
}
