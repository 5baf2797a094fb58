package io.changeflux;

/**
 * The input of {@link ChainBenchmark} and {@link MetricsBenchmark}: {@code keys} keys (80% {@code
 * src/**}/*.java, 10% {@code target/**}, 10% {@code *.md}), kinds cycling
 * CREATED/MODIFIED/MODIFIED/DELETED round by round (a round: every key once), and a sha that
 * changes every round, from a small pool (as a real source's events would be hot in cache).
 */
final class BenchEvents {

  private BenchEvents() {}

  /** {@code n} events over {@code keys} keys, source {@code bench:}. */
  static ChangeEvent[] of(int n, int keys) {
    String[] names = new String[keys];
    for (int k = 0; k < keys; k++) {
      int bucket = k % 10;
      names[k] =
          bucket < 8
              ? "src/main/java/p" + (k % 50) + "/F" + k + ".java"
              : bucket == 8 ? "target/classes/p/F" + k + ".class" : "docs/f" + k + ".md";
    }
    ChangeKind[] kinds = {ChangeKind.CREATED, ChangeKind.MODIFIED, ChangeKind.MODIFIED, ChangeKind.DELETED};
    String[] shas = new String[16];
    for (int i = 0; i < shas.length; i++) {
      shas[i] = String.format("%064x", i);
    }
    ChangeEvent[] events = new ChangeEvent[n];
    for (int i = 0; i < n; i++) {
      events[i] =
          ChangeEvent.builder(kinds[(i / keys) % kinds.length], names[i % keys])
              .source("bench:")
              .sha(shas[(i / keys) % shas.length])
              .build();
    }
    return events;
  }
}
