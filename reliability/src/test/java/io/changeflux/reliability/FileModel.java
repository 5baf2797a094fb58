package io.changeflux.reliability;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A consumer of fs/poll events that keeps the set of files it was told about: CREATED and MODIFIED
 * add the key, DELETED removes it, and an OVERFLOW that asks the consumer to re-read the state
 * ({@code reason=coalesce}, or no reason) replaces the set by a scan of the disk. OVERFLOWs whose
 * differences the source reports itself ({@code overflow}, {@code restart}, {@code fallback}) are
 * only counted: the test then proves that those differences are enough.
 */
final class FileModel {

  final Path root;
  final Set<String> files = ConcurrentHashMap.newKeySet();
  final Map<ChangeKind, AtomicLong> counts = new EnumMap<>(ChangeKind.class);
  final Map<String, AtomicLong> overflowReasons = new ConcurrentHashMap<>();
  final AtomicLong afterOverflow = new AtomicLong();
  final AtomicLong consumerRescans = new AtomicLong();
  final AtomicLong events = new AtomicLong();
  volatile long lastEventNanos = System.nanoTime();
  private volatile boolean sawOverflow;

  /** What a rescan reads: the disk under root, or any other source of truth. */
  final java.util.function.Supplier<Set<String>> truth;

  FileModel(Path root) {
    this(root, () -> scan(root));
  }

  FileModel(Path root, java.util.function.Supplier<Set<String>> truth) {
    this.root = root;
    this.truth = truth;
    for (ChangeKind k : ChangeKind.values()) {
      counts.put(k, new AtomicLong());
    }
  }

  /** Every event (kind key), kept when tracing (small runs, to explain a failure). */
  final java.util.Queue<String> trace = new java.util.concurrent.ConcurrentLinkedQueue<>();
  volatile boolean tracing = Boolean.getBoolean("reliability.trace");

  void apply(ChangeEvent e) {
    if (tracing) {
      trace.add(e.kind() + " " + e.key() + " " + e.headers());
    }
    events.incrementAndGet();
    lastEventNanos = System.nanoTime();
    counts.get(e.kind()).incrementAndGet();
    switch (e.kind()) {
      case CREATED, MODIFIED -> {
        files.add(e.key());
        if (sawOverflow) {
          afterOverflow.incrementAndGet();
        }
      }
      case DELETED -> {
        files.remove(e.key());
        if (sawOverflow) {
          afterOverflow.incrementAndGet();
        }
      }
      case OVERFLOW -> {
        sawOverflow = true;
        String reason = e.headers().getOrDefault("reason", "none");
        overflowReasons.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        if (reason.equals("coalesce") || reason.equals("none")) {
          consumerRescans.incrementAndGet();
          Set<String> disk = truth.get();
          files.retainAll(disk);
          files.addAll(disk);
        }
      }
    }
  }

  long count(ChangeKind k) {
    return counts.get(k).get();
  }

  Map<String, Long> overflows() {
    Map<String, Long> m = new TreeMap<>();
    overflowReasons.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** Every non-directory entry under root (links not followed), as '/'-separated keys. */
  static Set<String> scan(Path root) {
    Set<String> out = new HashSet<>();
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (!attrs.isDirectory()) {
                out.add(key(root, file));
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              return FileVisitResult.CONTINUE; // deleted while walking
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static String key(Path root, Path file) {
    return root.relativize(file).toString().replace('\\', '/');
  }

  /** A short description of what differs (for assertion messages). */
  static String diff(Set<String> reported, Set<String> disk) {
    Set<String> missing = new HashSet<>(disk);
    missing.removeAll(reported);
    Set<String> extra = new HashSet<>(reported);
    extra.removeAll(disk);
    return "missing " + missing.size() + " " + missing.stream().sorted().limit(5).toList()
        + ", extra " + extra.size() + " " + extra.stream().sorted().limit(5).toList();
  }
}
