package io.changeflux.bench;

import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;

/**
 * One start of {@code fs:ROOT} in a fresh JVM: {@code plain} (no state: the time until the watch is
 * ready, when a plain start could report its first change) or {@code resume} ({@code state=FILE}:
 * the time until the last of EXPECTED changes made while stopped arrived). Prints one {@code PROBE}
 * JSON line, with a digest of the changes reported so the harness can check they were exactly the
 * ones made.
 */
public final class ResumeProbe {

  private ResumeProbe() {}

  /** {@code ResumeProbe plain|resume ROOT STATE EXPECTED}. */
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String root = args[1];
    String state = args[2];
    int expected = Integer.parseInt(args[3]);
    String uri = "fs:" + root + (mode.equals("resume") ? "?state=" + state : "");
    TreeSet<String> seen = new TreeSet<>();
    CountDownLatch ready = new CountDownLatch(1);
    CountDownLatch all = new CountDownLatch(mode.equals("resume") ? 1 : 0);
    long[] lastAt = new long[1];
    int[] events = new int[1];
    long t0 = System.nanoTime();
    Disposable d =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                e -> {
                  if (e.kind() == ChangeKind.OVERFLOW) {
                    return;
                  }
                  synchronized (seen) {
                    events[0]++;
                    seen.add(e.kind() + " " + e.key());
                    if (seen.size() >= expected) {
                      lastAt[0] = System.nanoTime();
                      all.countDown();
                    }
                  }
                },
                err -> System.err.println("error: " + err));
    if (!ready.await(300, TimeUnit.SECONDS) || !all.await(300, TimeUnit.SECONDS)) {
      System.err.println("timed out: " + seen.size() + " of " + expected);
      System.exit(1);
    }
    long readyAt = System.nanoTime();
    long done = mode.equals("resume") ? Math.max(lastAt[0], readyAt) : readyAt;
    // CPU time of the whole process up to here: far less sensitive than wall time to other load
    double cpu =
        ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime()
            / 1e9;
    int digest;
    synchronized (seen) {
      digest = seen.hashCode();
    }
    System.out.printf(
        Locale.ROOT,
        "PROBE {\"mode\":\"%s\",\"readySeconds\":%.4f,\"lastChangeSeconds\":%.4f,\"cpuSeconds\":%.4f,\"changes\":%d,\"events\":%d,\"digest\":%d}%n",
        mode, (readyAt - t0) / 1e9, (done - t0) / 1e9, cpu, seen.size(), events[0], digest);
    System.out.flush();
    d.dispose();
    System.exit(0);
  }
}
