package io.changeflux.bench;

import io.changeflux.ChangeSources;
import io.changeflux.files.internal.ConfirmBaseline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;

/**
 * {@code poll:} time to ready without and with {@code confirm=sha256}, paired in one JVM (the order
 * alternating each round): {@code PollReadyProbe ROOT [FILES] [ROUNDS]} makes a tree of FILES files
 * (100 per directory) under ROOT unless it is there, then prints the medians, the median of the
 * per-round ratios, and the median time until the confirm baseline is hashed (it runs after ready).
 */
public final class PollReadyProbe {

  private PollReadyProbe() {}

  /** {@code PollReadyProbe ROOT [FILES] [ROUNDS]}. */
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    int files = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 11;
    if (!Files.exists(root.resolve("done"))) {
      for (int i = 0; i < files; i++) {
        Path d = Files.createDirectories(root.resolve("d" + (i / 100)));
        Files.writeString(d.resolve("f" + i + ".txt"), "content of file " + i + "\n".repeat(1 + i % 50));
      }
      Files.writeString(root.resolve("done"), "");
    }
    List<Double> hashed = new ArrayList<>();
    open(root, false, hashed); // warm-up
    open(root, true, hashed);
    hashed.clear();
    List<Double> plain = new ArrayList<>();
    List<Double> confirm = new ArrayList<>();
    List<Double> ratio = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      double p;
      double c;
      if (r % 2 == 0) {
        p = open(root, false, hashed);
        c = open(root, true, hashed);
      } else {
        c = open(root, true, hashed);
        p = open(root, false, hashed);
      }
      plain.add(p);
      confirm.add(c);
      ratio.add(c / p);
    }
    System.out.printf(
        Locale.ROOT,
        "PROBE {\"readyMsPlain\":%.0f,\"readyMsConfirm\":%.0f,\"pairedRatio\":%.2f,\"baselineHashedMs\":%.0f}%n",
        median(plain), median(confirm), median(ratio), median(hashed));
    System.exit(0);
  }

  /** Milliseconds from subscription to ready; with confirm, also adds the time until hashed. */
  private static double open(Path root, boolean confirm, List<Double> hashed) throws Exception {
    CountDownLatch ready = new CountDownLatch(1);
    long t0 = System.nanoTime();
    Disposable d =
        ChangeSources.open("poll:" + root + "?interval=1s" + (confirm ? "&confirm=sha256" : ""))
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe();
    if (!ready.await(300, TimeUnit.SECONDS)) {
      throw new IllegalStateException("not ready: " + root);
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    if (confirm) {
      while (ConfirmBaseline.running() > 0) {
        Thread.sleep(5); // a probe polling a counter, not a test
      }
      hashed.add((System.nanoTime() - t0) / 1e6);
    }
    d.dispose();
    Thread.sleep(200); // let the disposed poller's thread go
    return ms;
  }

  private static double median(List<Double> l) {
    List<Double> s = new ArrayList<>(l);
    Collections.sort(s);
    return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
  }
}
