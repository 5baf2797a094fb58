package io.changeflux.fs.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The engine this test run's {@code fs:} watches use ({@code engine=auto}, which the surefire
 * execution may set through {@code changeflux.test.fsEngine}), and the sizes that make it lose
 * events for certain.
 */
final class TestEngine {

  private TestEngine() {}

  /** {@code native} or {@code portable}. */
  static String name() {
    FsConfig c =
        new FsConfig(Path.of("/"), "fs:/", true, false, false, "auto", Duration.ofSeconds(2), false, false, false, Duration.ZERO);
    return Engines.choose(c)[0];
  }

  static boolean isNative() {
    return "native".equals(name());
  }

  /**
   * How many events to cause while the engine's thread is held so that some are lost: the
   * portable engine loses past the JDK's 512 per directory ({@code portable} is the test's own
   * count, above that); the native engine only past the kernel's queue.
   */
  static int toLose(int portable) {
    return isNative() ? maxQueuedEvents() + portable : portable;
  }

  static int maxQueuedEvents() {
    // Not Files.readString: on JDK 17 it reads one byte of a procfs file.
    try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/sys/fs/inotify/max_queued_events"))) {
      return Integer.parseInt(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim());
    } catch (IOException | RuntimeException e) {
      return 16_384;
    }
  }
}
