package io.changeflux.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Shared measurement and reporting for the reliability suite: the scale, thread / fd / inotify
 * watch / heap counts of this JVM, and the one-line figures every test prints.
 */
final class Rel {

  /** Where every figure printed is also appended (one run's report). */
  static final Path REPORT = Paths.get("target", "reliability-figures.txt");

  private Rel() {}

  /** {@code -Dreliability.scale}: 1.0 runs the issue's sizes. */
  static double scale() {
    return Double.parseDouble(System.getProperty("reliability.scale", "1.0"));
  }

  /** {@code full × scale}, at least {@code min}. */
  static int scaled(int full, int min) {
    return (int) Math.max(min, Math.round(full * scale()));
  }

  /** {@code -Dsoak.minutes}: 0 (the default) turns the soak off. */
  static double soakMinutes() {
    return Double.parseDouble(System.getProperty("soak.minutes", "0"));
  }

  /** Prints one figure line (stdout and target/reliability-figures.txt). */
  static void report(String test, String format, Object... args) {
    String line =
        "[reliability] " + test + ": " + String.format(Locale.ROOT, format, args)
            + (scale() == 1.0 ? "" : " [scale " + scale() + "]");
    System.out.println(line);
    try {
      Files.createDirectories(REPORT.getParent());
      Files.writeString(
          REPORT,
          LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + line + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
  }

  /** Live threads of this JVM. */
  static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /** Live threads whose name starts with one of the prefixes. */
  static long threadsNamed(String... prefixes) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> Arrays.stream(prefixes).anyMatch(p -> t.getName().startsWith(p)))
        .count();
  }

  static List<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
  }

  /** Open file descriptors of this process ({@code /proc/self/fd}). */
  static int fds() {
    try (Stream<Path> s = Files.list(Paths.get("/proc/self/fd"))) {
      return (int) s.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** fd number -> what it points to, for every open descriptor. */
  static java.util.Set<String> fdTargets() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
      for (Path p : ds) {
        try {
          out.add(p.getFileName() + "->" + Files.readSymbolicLink(p));
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static java.util.Set<String> newFdTargets(java.util.Set<String> before) {
    java.util.Set<String> now = fdTargets();
    now.removeAll(before);
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (String fd : now) {
      out.add(fd + socketState(fd));
    }
    return out;
  }

  /** This process's ESTABLISHED TCP connections to a loopback port (from /proc/net/tcp{,6}). */
  static int tcpConnectionsTo(int port) {
    Set<String> inodes = new java.util.HashSet<>();
    for (String fd : fdTargets()) {
      int i = fd.indexOf("socket:[");
      if (i >= 0) {
        inodes.add(fd.substring(i + 8, fd.length() - 1));
      }
    }
    String hexPort = String.format(Locale.ROOT, ":%04X", port);
    int n = 0;
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      try {
        for (String line : Files.readAllLines(Paths.get(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[2].endsWith(hexPort) && f[3].equals("01") && inodes.contains(f[9])) {
            n++;
          }
        }
      } catch (IOException e) {
        // no such table
      }
    }
    return n;
  }

  /** For a socket:[inode] target, its TCP state and ports from /proc/net/tcp{,6}. */
  private static String socketState(String fd) {
    int i = fd.indexOf("socket:[");
    if (i < 0) {
      return "";
    }
    String inode = fd.substring(i + 8, fd.length() - 1);
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp", "/proc/net/unix"}) {
      try {
        for (String line : Files.readAllLines(Paths.get(table))) {
          String[] f = line.trim().split("\\s+");
          if (java.util.Arrays.asList(f).contains(inode)) {
            return " " + table.substring(10) + " " + (f.length > 3 ? f[1] + " " + f[2] + " st=" + f[3] : line);
          }
        }
      } catch (IOException e) {
        // not there
      }
    }
    return " (not in /proc/net)";
  }

  /** inotify watches this process holds: {@code inotify wd:} lines in /proc/self/fdinfo/*. */
  static int inotifyWatches() {
    return inotifyWatchesOf(Paths.get("/proc/self/fdinfo"));
  }

  /** inotify watches held by every process this user can see (for the watch-limit test). */
  static int inotifyWatchesAllProcesses() {
    int total = 0;
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Paths.get("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        total += inotifyWatchesOf(p.resolve("fdinfo"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return total;
  }

  private static int inotifyWatchesOf(Path fdinfo) {
    int watches = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(fdinfo)) {
      for (Path f : ds) {
        try {
          for (String line : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("inotify wd:")) {
              watches++;
            }
          }
        } catch (IOException e) {
          // the fd closed while we looked
        }
      }
    } catch (IOException e) {
      // the process ended while we looked
    }
    return watches;
  }

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  /** Heap in use right now (no GC). */
  static long heapUsed() {
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  /** Heap in use after asking for two full collections (live data, roughly). */
  static long heapLive() {
    System.gc();
    System.gc();
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  static boolean linux() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
  }
}
