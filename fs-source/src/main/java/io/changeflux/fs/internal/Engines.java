package io.changeflux.fs.internal;

import io.changeflux.files.TreeScanner;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code engine=auto|native|portable}: which {@link WatchEngine} a watch uses. {@code native} is
 * {@link InotifyWatch} (Linux); {@code portable} is {@link NativeWatch} (directory-watcher:
 * inotify through the JDK's WatchService, FSEvents, ReadDirectoryChangesW); {@code auto} is native
 * where inotify can be used (Linux, a 64-bit JVM, JNA loads, no {@code hash=true}), else portable.
 * The choice is logged at INFO, once per watch.
 */
public final class Engines {

  private static final Logger log = LoggerFactory.getLogger(Engines.class);

  /**
   * Test hook: what {@code engine=auto} means in this JVM (null: the rule above), so that a test
   * suite runs on either engine without naming it in every URI.
   */
  static volatile String autoMeans = System.getProperty("changeflux.test.fsEngine");

  private static final java.util.concurrent.atomic.AtomicBoolean PREPARED =
      new java.util.concurrent.atomic.AtomicBoolean();

  private Engines() {}

  /**
   * When {@code config} may watch with the native engine, starts loading it (JNA's native library
   * and the binding of the system calls, about 0.2 s in a fresh JVM) on a short-lived thread of its
   * own, once per JVM: the source's assembly (Reactor's classes, the pipeline) goes on meanwhile,
   * and the watch's start finds the engine loaded, or waits only for the rest of the load.
   */
  public static void prepare(FsConfig config) {
    String asked = config.engine();
    if ("portable".equals(asked) || ("auto".equals(asked) && (config.hash() || "portable".equals(autoMeans)))) {
      return;
    }
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
        || PREPARED.getAndSet(true)) {
      return;
    }
    Thread t = new Thread(Inotify::available, "changeflux-fs-native-load");
    t.setDaemon(true);
    t.start();
  }

  /** The engine {@code config} asks for, and why (for the log line). */
  static String[] choose(FsConfig config) {
    String asked = config.engine();
    if ("native".equals(asked) || "portable".equals(asked)) {
      return new String[] {asked, "engine=" + asked};
    }
    String forced = autoMeans;
    if ("native".equals(forced) || "portable".equals(forced)) {
      return new String[] {forced, "engine=auto, set to " + forced + " for tests"};
    }
    if (config.hash()) {
      return new String[] {"portable", "engine=auto, hash=true needs directory-watcher's hashing"};
    }
    if (!Inotify.available()) {
      return new String[] {"portable", "engine=auto, inotify unavailable: " + Inotify.unavailableReason()};
    }
    return new String[] {"native", "engine=auto on Linux"};
  }

  /** A new engine for one watch, its choice logged. */
  static WatchEngine create(
      FsConfig config, TreeScanner scanner, BiConsumer<Path, Object> onRegistered, int id) {
    String[] c = choose(config);
    if ("native".equals(c[0])) {
      log.info("{}: watching with the native inotify engine ({})", config.source(), c[1]);
      return new InotifyWatch(config, scanner, onRegistered, id);
    }
    log.info("{}: watching with the portable directory-watcher engine ({})", config.source(), c[1]);
    return new NativeWatch(config, scanner, onRegistered, id);
  }
}
