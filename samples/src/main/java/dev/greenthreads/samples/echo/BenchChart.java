package dev.greenthreads.samples.echo;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.text.DecimalFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code echo-bench.png}: throughput, p99 latency and the server's CPU time per message against
 * connections (log scale), one series per mode (a mode measured on another JDK says which). Stalled points are left out: their figures
 * describe only the clients that were served.
 */
final class BenchChart {

    private BenchChart() {}

    static void write(List<BenchRow> rows, Path png, String title) throws IOException {
        Map<String, XYSeries> throughput = new LinkedHashMap<>();
        Map<String, XYSeries> p99 = new LinkedHashMap<>();
        Map<String, XYSeries> cpu = new LinkedHashMap<>();
        for (BenchRow row : rows) {
            if (!row.measured() || row.served() < row.connections()) {
                continue; // a stalled point's figures describe only the clients that were served
            }
            String series = row.jdk() == Runtime.version().feature() ? row.mode() : row.mode() + " (JDK " + row.jdk() + ")";
            throughput.computeIfAbsent(series, XYSeries::new).add(row.connections(), row.messagesPerSecond());
            if (row.p99() > 0) {
                p99.computeIfAbsent(series, XYSeries::new).add(row.connections(), row.p99());
            }
            if (row.cpuMicrosPerMessage() > 0) {
                cpu.computeIfAbsent(series, XYSeries::new).add(row.connections(), row.cpuMicrosPerMessage());
            }
        }
        XYSeriesCollection throughputData = new XYSeriesCollection();
        throughput.values().forEach(throughputData::addSeries);
        XYSeriesCollection latencyData = new XYSeriesCollection();
        p99.values().forEach(latencyData::addSeries);
        XYSeriesCollection cpuData = new XYSeriesCollection();
        cpu.values().forEach(cpuData::addSeries);

        LogAxis connections = decades("connections (log scale)", 0.5);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(connections);
        plot.setGap(12);

        NumberAxis messages = new NumberAxis("messages per second");
        messages.setAutoRangeIncludesZero(true);
        plot.add(new XYPlot(throughputData, null, messages, renderer(throughput.keySet())), 3);

        LogAxis latency = decades("p99 latency, ms (log scale)", 0.001);
        XYLineAndShapeRenderer latencyRenderer = renderer(p99.keySet());
        latencyRenderer.setDefaultSeriesVisibleInLegend(false); // the upper panel's legend names them
        plot.add(new XYPlot(latencyData, null, latency, latencyRenderer), 2);

        NumberAxis cpuAxis = new NumberAxis("server CPU per message, µs");
        cpuAxis.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer cpuRenderer = renderer(cpu.keySet());
        cpuRenderer.setDefaultSeriesVisibleInLegend(false);
        plot.add(new XYPlot(cpuData, null, cpuAxis, cpuRenderer), 2);

        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 960);
    }

    /** A base-10 log axis with a tick per decade, labelled 0.01, 1, 100, 1,000 rather than 10^x. */
    private static LogAxis decades(String label, double smallest) {
        LogAxis axis = new LogAxis(label);
        axis.setBase(10);
        axis.setSmallestValue(smallest);
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
        return axis;
    }

    /** Lines with markers; a mode keeps its colour and marker in every panel. */
    private static XYLineAndShapeRenderer renderer(Iterable<String> seriesNames) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        int series = 0;
        for (String name : seriesNames) {
            String mode = name.split(" ", 2)[0]; // "virtual (JDK 25)" is drawn as virtual
            renderer.setSeriesPaint(series, colour(mode));
            renderer.setSeriesShape(series, SHAPES[shapeIndex(mode) % SHAPES.length]);
            series++;
        }
        return renderer;
    }

    private static int shapeIndex(String mode) {
        EchoMode known = EchoMode.byLabel(mode);
        return known == null ? EchoMode.values().length : known.ordinal();
    }

    private static final Shape[] SHAPES = DefaultDrawingSupplier.createStandardSeriesShapes();

    private static Color colour(String mode) {
        switch (mode) {
            case "iterative": return new Color(0x7f7f7f);
            case "threads": return new Color(0xd62728);
            case "virtual": return new Color(0x1f77b4);
            case "select": return new Color(0x2ca02c);
            case "prefork": return new Color(0x9467bd);
            case "green": return new Color(0xff7f0e);
            case "netty-nio": return new Color(0x8c564b);
            case "netty-epoll": return new Color(0xe377c2);
            default: return Color.BLACK;
        }
    }
}
