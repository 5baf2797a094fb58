package io.changeflux.bench;

import io.changeflux.ChangeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One fs: watch of a directory in a fresh JVM, for the CPU it costs: prints {@code READY cpuTicks}
 * once watching, then {@code DONE cpuTicks} when {@code n} distinct files were reported CREATED
 * (utime+stime of this process from /proc/self/stat, in clock ticks).
 */
public final class EngineProbe {

  private EngineProbe() {}

  /** {@code EngineProbe ENGINE DIR N}. */
  public static void main(String[] args) throws Exception {
    String engine = args[0];
    Path dir = Path.of(args[1]);
    int n = Integer.parseInt(args[2]);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    Object done = new Object();
    AutoCloseable h =
        Watchers.changeflux("fs", "fs", "engine=" + engine + "&coalesce=1000000")
            .start(
                dir,
                (k, kind) -> {
                  if (kind == ChangeKind.CREATED && seen.add(k) && seen.size() >= n) {
                    synchronized (done) {
                      done.notifyAll();
                    }
                  }
                });
    System.out.println("READY " + cpuTicks("self"));
    System.out.flush();
    synchronized (done) {
      while (seen.size() < n) {
        done.wait(100);
      }
    }
    System.out.println("DONE " + cpuTicks("self"));
    System.out.flush();
    h.close();
    System.exit(0);
  }

  /** utime + stime of a process (clock ticks), from /proc/PID/stat. */
  static long cpuTicks(String pid) throws Exception {
    String stat; // not Files.readString: on JDK 17 it reads one byte of a procfs file
    try (java.io.InputStream in = Files.newInputStream(Path.of("/proc", pid, "stat"))) {
      stat = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    }
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
  }
}
