package io.changeflux.fs.internal;

import io.changeflux.files.FileState;
import java.nio.file.Path;

public class FtBench {
  public static void main(String[] a) {
    Path root = Path.of("/tmp/x");
    int n = 20000;
    String[] keys = new String[n];
    FileState[] st = new FileState[n];
    for (int i = 0; i < n; i++) {
      keys[i] = "dir/f" + i + ".txt";
      st[i] = new FileState(root.resolve(keys[i]), 1, 1_700_000_000_000_000_000L + i, null, new FileTable.PackedKey(0xfe00, 1_000_000 + i));
    }
    String[] small = new String[10];
    for (int i = 0; i < 10; i++) small[i] = "d/e/f" + i + ".txt";
    long sink = 0;
    for (int round = 0; round < 24; round++) {
      long t0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
      FileTable t = new FileTable(root);
      for (int i = 0; i < n; i++) t.put(keys[i], st[i]);      // a burst of creates, one directory
      for (int i = 0; i < n; i++) sink += t.get(keys[i]).size(); // each event's lookup
      long t1 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
      FileTable s = new FileTable(root);
      for (int i = 0; i < 10; i++) s.put(small[i], st[i]);
      for (int r = 0; r < 200_000; r++) sink += s.get(small[r % 10]).size(); // a small directory
      long t2 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
      if (round >= 4) System.out.printf("big %.1f ns/op  small %.1f ns/op%n", (t1 - t0) / (2.0 * n), (t2 - t1) / 200_000.0);
    }
    System.out.println(sink);
  }
}
