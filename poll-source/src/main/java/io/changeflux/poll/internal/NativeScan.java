package io.changeflux.poll.internal;

import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.FileStates;
import io.changeflux.files.internal.LinuxJna;
import io.changeflux.files.internal.NativeWalk;
import io.changeflux.files.internal.PackedKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll scan: what {@link TreeScanner#scan()} returns — the same keys, sizes, times and paths,
 * the same warnings, the same failures of the root — walked with core's {@link NativeWalk} where
 * it runs (Linux x86-64 or AArch64 with JNA: {@code openat} relative to the parent, {@code
 * getdents64}, {@code statx} relative to the open directory, no path walk by the kernel per file),
 * else by the scanner itself. A walk that fails in a way the native walk does not expect is done
 * again by the scanner, and from then on every scan is.
 *
 * <p>A state's path is made when first asked where the key names it (ASCII names, the usual
 * case): a poll that finds nothing changed builds no {@code Path} per file.
 *
 * <p>The file keys of a native scan are {@link PackedKey}s, the scanner's the JDK's {@code
 * UnixFileKey}s: both have the same text, which is what {@link FileState#sameStat} compares keys
 * of different classes by (and what a state file stores), so a switch from one walk to the other
 * between two scans reports nothing as changed.
 *
 * <p>Not thread-safe: one scan at a time (the poller's thread).
 */
public final class NativeScan {

  private static final Logger log = LoggerFactory.getLogger(NativeScan.class);

  private final TreeScanner scanner;
  private @Nullable NativeWalk walk;
  private int lastCount;
  private boolean unavailableLogged;

  /**
   * The scan of what {@code scanner} walks.
   *
   * @param scanner the scanner whose scan this one returns
   */
  public NativeScan(TreeScanner scanner) {
    this.scanner = scanner;
  }

  /**
   * Whether the native walk can run here (false where JNA itself cannot load: {@link NativeWalk}
   * is not even touched then).
   */
  static boolean available() {
    if (LinuxJna.unavailableReason() != null) {
      return false;
    }
    try {
      return NativeWalk.available();
    } catch (LinkageError e) { // JNA's classes missing after all
      return false;
    }
  }

  /** Why the native walk cannot run here, or null. */
  static @Nullable String unavailableReason() {
    String jna = LinuxJna.unavailableReason();
    if (jna != null) {
      return jna;
    }
    try {
      return NativeWalk.unavailableReason();
    } catch (LinkageError e) {
      return e.toString();
    }
  }

  /**
   * Scans the whole tree, as {@link TreeScanner#scan()} does.
   *
   * @return the state of every entry, by key; a new, mutable map
   * @throws IOException when the root is missing, not a directory or cannot be read
   */
  public Map<String, FileState> scan() throws IOException {
    NativeWalk w = walker();
    if (w != null) {
      try {
        return scanNatively(w);
      } catch (NativeWalk.Unsupported e) {
        NativeWalk.disable(e); // logged there, once
      }
    }
    return scanner.scan();
  }

  /** Whether a scan now would walk natively (for tests). */
  boolean walksNatively() {
    return walker() != null;
  }

  private @Nullable NativeWalk walker() {
    if (!available()) {
      if (!unavailableLogged) {
        unavailableLogged = true;
        log.debug("{}: scanning with the JDK: {}", scanner.root(), unavailableReason());
      }
      return null;
    }
    NativeWalk w = walk;
    if (w == null) {
      w = new NativeWalk(scanner);
      walk = w;
    }
    return w.canStart(scanner.root()) ? w : null;
  }

  private Map<String, FileState> scanNatively(NativeWalk w) throws IOException {
    // Sized for the last scan's count, so that a large tree is not rehashed on every scan.
    HashMap<String, FileState> out = new HashMap<>(Math.max(16, lastCount + lastCount / 3 + 16));
    scanner.checkRoot();
    Path root = scanner.root();
    w.walk(
        scanner.root(),
        new NativeWalk.Visitor() {
          @Override
          public void directory(Path dir, long dev, long ino) {}

          @Override
          public void file(String key, long size, long mtimeNanos, long dev, long ino) {
            PackedKey fk = new PackedKey(dev, ino);
            // no Path per file where the key names it: made when asked (an event, a hash)
            out.put(
                key,
                w.entryPathIsRootAndKey()
                    ? FileStates.lazy(root, key, size, mtimeNanos, fk)
                    : new FileState(w.entryPath(), size, mtimeNanos, null, fk));
          }
        },
        true);
    lastCount = out.size();
    return out;
  }
}
