package io.changeflux.fs.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Watches over the watched root itself: whether it exists, waiting for it to appear ({@code
 * awaitRoot}), and whether it is still the directory that was registered. inotify keeps watching a
 * root that was renamed away (the JDK does not ask for IN_MOVE_SELF), so once a second, when idle,
 * the root's file key is compared with the one it had when the watch started.
 */
final class RootGuard {

  private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Path root;
  private final long waitMillis;
  private volatile @Nullable Object registeredKey;
  private long lastCheck = System.nanoTime();

  /** A guard of {@code root} that, when waiting for it, looks every {@code waitMillis}. */
  RootGuard(Path root, long waitMillis) {
    this.root = root;
    this.waitMillis = Math.max(10, waitMillis);
  }

  /** Whether the root is a directory now. */
  boolean present() {
    return Files.isDirectory(root);
  }

  /** Whether something that is not a directory is at the root's path. */
  boolean notADirectory() {
    return Files.exists(root) && !Files.isDirectory(root);
  }

  /** Remembers the root's identity, right before the watch on it starts. */
  void remember() throws IOException {
    registeredKey = Files.readAttributes(root, BasicFileAttributes.class).fileKey();
    lastCheck = System.nanoTime();
  }

  /**
   * Whether the root is gone or is now another directory than the one remembered; checks at most
   * once a second (false in between).
   */
  boolean movedOrReplaced() {
    long now = System.nanoTime();
    if (now - lastCheck < CHECK_NANOS) {
      return false;
    }
    lastCheck = now;
    Object registered = registeredKey;
    if (registered == null) {
      return false;
    }
    try {
      return !registered.equals(Files.readAttributes(root, BasicFileAttributes.class).fileKey());
    } catch (IOException e) {
      return true;
    }
  }

  /** Waits until the root is a directory; false when {@code cancelled} turned true first. */
  boolean await(BooleanSupplier cancelled) throws InterruptedException {
    while (!cancelled.getAsBoolean()) {
      if (Files.isDirectory(root)) {
        return true;
      }
      Thread.sleep(waitMillis);
    }
    return false;
  }
}
