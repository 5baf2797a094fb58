package io.changeflux.bench;

import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** PNG charts of the report, made with XChart. */
final class Charts {

  static final Color CHANGEFLUX = new Color(0x1f77b4);
  static final Color BASELINE = new Color(0x9e9e9e);
  private static final Color[] PALETTE = {
    new Color(0x9e9e9e), new Color(0x6d4c41), CHANGEFLUX, new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x17becf)
  };

  private Charts() {}

  /**
   * Latency percentiles, one series per watcher (log scale, ms). {@code series}: name → (percentile
   * label → ms).
   */
  static void percentiles(Path png, String title, Map<String, Map<String, Double>> series) throws Exception {
    CategoryChart c = base(png, title, "percentile", "ms (log scale)", 900, 450);
    c.getStyler().setYAxisLogarithmic(true);
    c.getStyler().setOverlapped(true);
    c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Line);
    c.getStyler().setMarkerSize(8);
    double min = Double.MAX_VALUE;
    double max = 0.01;
    for (Map<String, Double> s : series.values()) {
      for (double v : s.values()) {
        min = Math.min(min, Math.max(v, 0.01));
        max = Math.max(max, v);
      }
    }
    c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
    c.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max))));
    int i = 0;
    for (Map.Entry<String, Map<String, Double>> s : series.entrySet()) {
      List<String> x = new ArrayList<>(s.getValue().keySet());
      List<Double> y = new ArrayList<>();
      for (double v : s.getValue().values()) {
        y.add(Math.max(v, 0.01));
      }
      var series0 = c.addSeries(s.getKey(), x, y);
      Color color = PALETTE[i++ % PALETTE.length];
      series0.setLineColor(color);
      series0.setMarkerColor(color);
      series0.setLineWidth(2.5f);
    }
    BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /**
   * Throughput (or time) bars, changeflux beside its baseline for each comparison. {@code rows}:
   * label → [changeflux, baseline].
   */
  static void pairs(Path png, String title, String yTitle, String baselineName, Map<String, double[]> rows)
      throws Exception {
    CategoryChart c = base(png, title, "", yTitle, 140 + 220 * rows.size(), 420);
    List<String> x = new ArrayList<>(rows.keySet());
    List<Double> cf = new ArrayList<>();
    List<Double> bl = new ArrayList<>();
    for (double[] v : rows.values()) {
      cf.add(v[0]);
      bl.add(v[1]);
    }
    c.addSeries("changeflux", x, cf).setFillColor(CHANGEFLUX);
    c.addSeries(baselineName, x, bl).setFillColor(BASELINE);
    c.getStyler().setLabelsVisible(true);
    c.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    c.getStyler().setDecimalPattern("#,##0.##");
    BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  static Map<String, Double> pct(com.fasterxml.jackson.databind.JsonNode p) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("p50", p.get("p50").asDouble());
    m.put("p90", p.get("p90").asDouble());
    m.put("p99", p.get("p99").asDouble());
    m.put("p99.9", p.get("p99_9").asDouble());
    m.put("max", p.get("max").asDouble());
    return m;
  }

  private static CategoryChart base(Path png, String title, String x, String y, int w, int h) {
    CategoryChart c = new CategoryChartBuilder().width(w).height(h).title(title).xAxisTitle(x).yAxisTitle(y).build();
    org.knowm.xchart.style.CategoryStyler s = c.getStyler();
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    c.getStyler().setOverlapped(false);
    return c;
  }
}
