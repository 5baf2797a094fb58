package io.changeflux.fs.internal;

import java.nio.file.Path;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Watch descriptor → directory: open addressing on an {@code int[]}, with no boxed key and no
 * entry object per directory (about 12 bytes a watch instead of about 60), filled to three
 * quarters at most. The directory is the {@code Path} the registration walk handed over, the same
 * object the tree state records it by: the table holds no copy of it. Not thread-safe.
 */
final class WatchTable {

  private int[] wds = new int[64];
  private @Nullable Path[] dirs = new Path[64];
  private int size;

  int size() {
    return size;
  }

  @Nullable Path get(int wd) {
    int mask = wds.length - 1;
    for (int s = slot(wd, mask); dirs[s] != null; s = (s + 1) & mask) {
      if (wds[s] == wd) {
        return dirs[s];
      }
    }
    return null;
  }

  void put(int wd, Path dir) {
    int mask = wds.length - 1;
    int s = slot(wd, mask);
    while (dirs[s] != null) {
      if (wds[s] == wd) {
        dirs[s] = dir;
        return;
      }
      s = (s + 1) & mask;
    }
    wds[s] = wd;
    dirs[s] = dir;
    if (++size * 4 > wds.length * 3) {
      grow();
    }
  }

  /** Removes {@code wd}'s entry; its directory, or null when there was none. */
  @Nullable Path remove(int wd) {
    int mask = wds.length - 1;
    int s = slot(wd, mask);
    while (dirs[s] != null && wds[s] != wd) {
      s = (s + 1) & mask;
    }
    Path was = dirs[s];
    if (was == null) {
      return null;
    }
    dirs[s] = null;
    size--;
    // Shift back the entries of the probe run behind the hole.
    int hole = s;
    for (int t = (hole + 1) & mask; dirs[t] != null; t = (t + 1) & mask) {
      int home = slot(wds[t], mask);
      boolean stays = hole <= t ? (home > hole && home <= t) : (home > hole || home <= t);
      if (!stays) {
        wds[hole] = wds[t];
        dirs[hole] = dirs[t];
        dirs[t] = null;
        hole = t;
      }
    }
    return was;
  }

  /** The watch descriptors of the directories {@code start} or below (for removal). */
  int[] under(Path start) {
    int[] out = new int[8];
    int n = 0;
    for (int s = 0; s < wds.length; s++) {
      Path d = dirs[s];
      if (d != null && d.startsWith(start)) {
        if (n == out.length) {
          out = Arrays.copyOf(out, n * 2);
        }
        out[n++] = wds[s];
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** Every directory in the table (in no order). */
  java.util.List<Path> paths() {
    java.util.List<Path> out = new java.util.ArrayList<>(size);
    for (Path d : dirs) {
      if (d != null) {
        out.add(d);
      }
    }
    return out;
  }

  private void grow() {
    int[] ow = wds;
    Path[] od = dirs;
    wds = new int[ow.length * 2];
    dirs = new Path[ow.length * 2];
    size = 0;
    for (int s = 0; s < ow.length; s++) {
      Path d = od[s];
      if (d != null) {
        put(ow[s], d);
      }
    }
  }

  private static int slot(int wd, int mask) {
    return (wd * 0x9E3779B9 >>> 7) & mask;
  }
}
