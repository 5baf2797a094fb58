package io.changeflux.bench;

import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.methvin.watcher.DirectoryChangeEvent;
import io.methvin.watcher.DirectoryWatcher;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;

/** The file watchers the harnesses compare: changeflux fs:/poll: and the raw baselines. */
final class Watchers {

  /** Receives (file name relative to the watched dir, kind) on the watcher's thread. */
  interface Listener {
    void on(String key, ChangeKind kind);

    /**
     * An event whose arrival the watcher stamped itself ({@link System#nanoTime()}'s clock,
     * CLOCK_MONOTONIC on Linux): the kernel floor, whose reader is another process. By default the
     * stamp is dropped.
     */
    default void at(String key, ChangeKind kind, long nanoTime) {
      on(key, kind);
    }
  }

  /** Starts watching {@code dir}; returns once the watch is established. */
  interface Watcher {
    String name();

    AutoCloseable start(Path dir, Listener l) throws Exception;
  }

  private Watchers() {}

  static Watcher changeflux(String name, String scheme, String query) {
    return new Watcher() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public AutoCloseable start(Path dir, Listener l) throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        String uri = scheme + ":" + dir + (query.isEmpty() ? "" : "?" + query);
        Disposable d =
            ChangeSources.open(uri)
                .events()
                .contextWrite(ChangeSources.onReady(ready::countDown))
                .subscribe(e -> l.on(e.key(), e.kind()), err -> System.err.println(name + ": " + err));
        if (!ready.await(120, TimeUnit.SECONDS)) {
          d.dispose();
          throw new IllegalStateException(name + " not ready");
        }
        return d::dispose;
      }
    };
  }

  static Watcher fs() {
    return changeflux("changeflux fs:", "fs", "");
  }

  /** fs: with issue 13's filters on: settle=vcs and gitignore=true (the tree is a git repository). */
  static Watcher fsSettleGitignore() {
    return changeflux("fs: settle+gitignore", "fs", "settle=vcs&gitignore=true");
  }

  /** fs: with stable=50ms (adds the duration to every create and write by design). */
  static Watcher fsStable() {
    return changeflux("fs: stable=50ms", "fs", "stable=50ms");
  }

  /**
   * Makes {@code dir} a git repository with a few ignore patterns (none matching the harnesses'
   * files), so that settle=vcs looks at real markers and gitignore=true matches every event.
   */
  static void gitRepo(Path dir) throws java.io.IOException {
    java.nio.file.Files.createDirectories(dir);
    Bench.run(dir, "git", "init", "-q");
    java.nio.file.Files.writeString(dir.resolve(".gitignore"), "*.log\nbuild/\n**/tmp/\n/target\n!keep.log\n");
  }

  static Watcher poll() {
    return changeflux("changeflux poll: 100ms", "poll", "interval=100ms");
  }

  /**
   * The kernel's floor: {@code benchmarks/src/main/c/inotify_floor.c} (compiled to {@code exe}), a
   * C reader blocked in poll()/read() on inotify, which stamps each IN_CREATE with CLOCK_MONOTONIC
   * as read() returns it; the stamps reach {@link Listener#at}, so the pipe to this JVM is not
   * timed. No user-space watcher of the same events can be quicker on this machine.
   */
  static Watcher kernelFloor(Path exe) {
    return new Watcher() {
      @Override
      public String name() {
        return "kernel floor (C)";
      }

      @Override
      public AutoCloseable start(Path dir, Listener l) throws Exception {
        Process p = new ProcessBuilder(exe.toString(), dir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        java.io.BufferedReader out =
            new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        if (!"ready".equals(out.readLine())) {
          p.destroyForcibly();
          throw new IllegalStateException("inotify_floor did not start");
        }
        Thread t =
            new Thread(
                () -> {
                  try {
                    String line;
                    while ((line = out.readLine()) != null) {
                      int sp = line.lastIndexOf(' ');
                      l.at(line.substring(0, sp), ChangeKind.CREATED, Long.parseLong(line.substring(sp + 1)));
                    }
                  } catch (java.io.IOException closed) {
                    // the process ended
                  }
                },
                "bench-kernel-floor");
        t.setDaemon(true);
        t.start();
        return () -> {
          p.getOutputStream().close(); // EOF on its stdin ends it
          if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
          t.join(5000);
        };
      }
    };
  }

  /** The JDK's WatchService on one directory (not recursive), its own thread taking keys. */
  static Watcher jdk() {
    return new Watcher() {
      @Override
      public String name() {
        return "JDK WatchService";
      }

      @Override
      public AutoCloseable start(Path dir, Listener l) throws Exception {
        WatchService ws = FileSystems.getDefault().newWatchService();
        dir.register(
            ws,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
        Thread t =
            new Thread(
                () -> {
                  try {
                    while (true) {
                      WatchKey k = ws.take();
                      for (WatchEvent<?> e : k.pollEvents()) {
                        WatchEvent.Kind<?> kind = e.kind();
                        if (kind == StandardWatchEventKinds.OVERFLOW) {
                          l.on("", ChangeKind.OVERFLOW);
                        } else {
                          l.on(
                              e.context().toString(),
                              kind == StandardWatchEventKinds.ENTRY_CREATE
                                  ? ChangeKind.CREATED
                                  : kind == StandardWatchEventKinds.ENTRY_MODIFY
                                      ? ChangeKind.MODIFIED
                                      : ChangeKind.DELETED);
                        }
                      }
                      k.reset();
                    }
                  } catch (InterruptedException | ClosedWatchServiceException e) {
                    // closed
                  }
                },
                "bench-jdk-watch");
        t.setDaemon(true);
        t.start();
        return () -> {
          ws.close();
          t.join(5000);
        };
      }
    };
  }

  /** directory-watcher 0.19.1 alone, file hashing off (as changeflux's default hash=false). */
  static Watcher directoryWatcher() {
    return new Watcher() {
      @Override
      public String name() {
        return "directory-watcher";
      }

      @Override
      public AutoCloseable start(Path dir, Listener l) throws Exception {
        DirectoryWatcher w =
            DirectoryWatcher.builder()
                .path(dir)
                .fileHashing(false)
                .listener(
                    (DirectoryChangeEvent e) -> {
                      switch (e.eventType()) {
                        case CREATE:
                          l.on(dir.relativize(e.path()).toString(), ChangeKind.CREATED);
                          break;
                        case MODIFY:
                          l.on(dir.relativize(e.path()).toString(), ChangeKind.MODIFIED);
                          break;
                        case DELETE:
                          l.on(dir.relativize(e.path()).toString(), ChangeKind.DELETED);
                          break;
                        default:
                          l.on("", ChangeKind.OVERFLOW);
                      }
                    })
                .build();
        var f = w.watchAsync(); // registers the tree before returning
        return () -> {
          w.close();
          f.cancel(true);
        };
      }
    };
  }
}
