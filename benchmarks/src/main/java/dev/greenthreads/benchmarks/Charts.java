package dev.greenthreads.benchmarks;

import dev.greenthreads.benchmarks.Figures.Family;
import dev.greenthreads.benchmarks.Figures.Figure;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.text.DecimalFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;

/**
 * The report's PNG charts, drawn with JFreeChart: how many times faster green threads are than
 * virtual and platform threads in each case (with the DESIGN.md targets beside), then one chart
 * per benchmark family with each variant's time and error bar, and the heap per parked thread.
 */
final class Charts {

    static final String SPEEDUP = "speedup.png";
    static final String HEAP = "parked-heap.png";

    private static final int WIDTH = 1100, HEIGHT = 600;
    private static final Color GREEN = new Color(0x2e7d32), VIRTUAL = new Color(0x1565c0), PLATFORM = new Color(0x9e9e9e),
            TARGET = new Color(0xef6c00);

    private Charts() {
    }

    /** Draws every chart there are figures for into {@code dir}; returns the file names. */
    static List<String> draw(Path dir, Figures figures, ParkedHeap.Results heap) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> files = new ArrayList<>();
        if (speedup(dir.resolve(SPEEDUP), figures, heap)) {
            files.add(SPEEDUP);
        }
        for (Family family : Family.values()) {
            if (family(dir.resolve(family.chartFile()), figures, family)) {
                files.add(family.chartFile());
            }
        }
        if (heap(dir.resolve(HEAP), heap)) {
            files.add(HEAP);
        }
        return files;
    }

    private static boolean speedup(Path file, Figures figures, ParkedHeap.Results heap) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        String vsVirtual = "virtual time / green time", vsPlatform = "platform time / green time",
                target = "DESIGN.md target (vs virtual)";
        for (Family family : Family.values()) {
            if (family == Family.REWRITE) {
                continue;
            }
            for (String c : figures.cases(family)) {
                String label = family.label(c);
                Figure g = figures.get(family, c, "green");
                double[] v = Figures.ratio(figures.get(family, c, "virtual"), g);
                double[] p = Figures.ratio(figures.get(family, c, "platform"), g);
                data.addValue(v == null ? null : v[0], vsVirtual, label);
                data.addValue(p == null ? null : p[0], vsPlatform, label);
                data.addValue(speedupTarget(family, c), target, label);
            }
        }
        if (heap != null && heap.green.ok() && heap.virtual.ok()) {
            String label = "heap per parked thread";
            data.addValue(heap.virtual.bytesPerThread() / heap.green.bytesPerThread(), vsVirtual, label);
            data.addValue(null, vsPlatform, label);
            data.addValue(4.0, target, label);
        }
        if (data.getColumnCount() == 0) {
            return false;
        }
        JFreeChart chart = ChartFactory.createBarChart("How many times cheaper green threads are (higher is better, 1 = parity)",
                null, "times cheaper than the other kind (log scale)", data);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setRangeAxis(logAxis("times cheaper than the other kind (log scale)", 0.01));
        BarRenderer renderer = bars(plot, VIRTUAL, PLATFORM, TARGET);
        renderer.setBase(0.01);
        renderer.setIncludeBaseInRange(false);
        ValueMarker parity = new ValueMarker(1.0, Color.BLACK, new BasicStroke(1.5f));
        parity.setLabel("parity");
        parity.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        parity.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        plot.addRangeMarker(parity);
        rotateLabels(plot);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return true;
    }

    /** The DESIGN.md target as a minimal "virtual time / green time", or null where there is none. */
    private static Double speedupTarget(Family family, String caseKey) {
        switch (family) {
            case START_JOIN:
            case BULK_START:
            case YIELD_AT_SCALE:
                return 5.0;
            case MUTEX_COND:
                return 2.0;
            case YIELD:
                if (caseKey.equals("depth=1")) {
                    return 3.0;
                }
                return caseKey.equals("depth=100") ? Double.valueOf(0.5) : null;
            default:
                return null;
        }
    }

    private static boolean family(Path file, Figures figures, Family family) throws IOException {
        List<String> cases = figures.cases(family);
        if (cases.isEmpty()) {
            return false;
        }
        DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
        double smallest = Double.MAX_VALUE, largest = 0;
        for (String variant : family.variants()) {
            for (String c : cases) {
                Figure f = figures.get(family, c, variant);
                if (f != null) {
                    data.add(f.nanos, Double.isNaN(f.error) ? 0 : f.error, variant, c.isEmpty() ? family.label : c);
                    smallest = Math.min(smallest, f.nanos);
                    largest = Math.max(largest, f.nanos + (Double.isNaN(f.error) ? 0 : f.error));
                }
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(family.title, null, "ns " + family.per, data);
        CategoryPlot plot = chart.getCategoryPlot();
        boolean log = largest / smallest > 20;
        if (log) {
            plot.setRangeAxis(logAxis("ns " + family.per + " (log scale; error bars: 99.9% interval)", smallest / 10));
        } else {
            plot.getRangeAxis().setLabel("ns " + family.per + " (error bars: 99.9% interval)");
        }
        StatisticalBarRenderer renderer = new StatisticalBarRenderer();
        renderer.setErrorIndicatorPaint(Color.BLACK);
        plot.setRenderer(renderer);
        if (family == Family.REWRITE) {
            bars(plot, PLATFORM, GREEN);
        } else {
            bars(plot, GREEN, VIRTUAL, PLATFORM);
        }
        if (log) {
            renderer.setBase(smallest / 10);
            renderer.setIncludeBaseInRange(false);
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return true;
    }

    private static boolean heap(Path file, ParkedHeap.Results heap) throws IOException {
        if (heap == null || !heap.green.ok()) {
            return false;
        }
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        String column = String.format("%,d threads parked at depth %d", heap.green.threads, ParkedHeap.DEPTH);
        data.addValue(heap.green.bytesPerThread(), "green", column);
        if (heap.virtual.ok()) {
            data.addValue(heap.virtual.bytesPerThread(), "virtual", column);
        }
        JFreeChart chart = ChartFactory.createBarChart("Heap per parked thread (after full GC)", null, "bytes per thread", data);
        CategoryPlot plot = chart.getCategoryPlot();
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        bars(plot, GREEN, VIRTUAL);
        File out = file.toFile();
        ChartUtils.saveChartAsPNG(out, chart, WIDTH / 2, HEIGHT);
        return true;
    }

    /** A base-10 log axis with a tick at each power of ten, labelled as plain numbers. */
    private static LogAxis logAxis(String label, double smallest) {
        LogAxis axis = new LogAxis(label);
        axis.setBase(10);
        axis.setSmallestValue(smallest);
        axis.setTickUnit(new NumberTickUnit(1.0));
        axis.setMinorTickCount(9);
        axis.setMinorTickMarksVisible(true);
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
        return axis;
    }

    /** Flat bars in the given series colours, a white background. */
    private static BarRenderer bars(CategoryPlot plot, Color... colours) {
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        for (int i = 0; i < colours.length; i++) {
            renderer.setSeriesPaint(i, colours[i]);
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return renderer;
    }

    private static void rotateLabels(CategoryPlot plot) {
        CategoryAxis axis = plot.getDomainAxis();
        axis.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        axis.setMaximumCategoryLabelLines(2);
    }
}
