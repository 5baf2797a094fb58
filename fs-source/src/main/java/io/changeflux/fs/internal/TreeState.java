package io.changeflux.fs.internal;

import io.changeflux.ChangeKind;
import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.PackedKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What one watch last reported of its tree, apart from any watching machinery: every entry (key →
 * size, modification time, file key), packed per directory in a {@link FileTable}, and every
 * directory by identity (path → device and inode, compared by value whichever walk found it), so that a directory deleted and re-created under the
 * same name, its events lost, is still a new directory.
 *
 * <p>The entries are only touched by the watch's own thread. The directories are also recorded by
 * the watcher thread as it registers them ({@link #registered}), hence a concurrent map.
 */
final class TreeState {

  /** Receives the differences {@link #diff} finds. */
  interface Emitter {
    void emit(ChangeKind kind, String key, FileState state);
  }

  private FileTable files;
  private final Map<Path, Object> dirs = new ConcurrentHashMap<>();

  /** An empty state of the tree under {@code root} (the scanner's root). */
  TreeState(Path root) {
    this.files = new FileTable(root);
  }

  /** The entries (a live view: do not change it while iterating). */
  FileTable files() {
    return files;
  }

  @Nullable FileState get(String key) {
    return files.get(key);
  }

  /** Records an entry; returns its previous state, or null when it is new. */
  @Nullable FileState put(String key, FileState f) {
    return files.put(key, f);
  }

  /** Replaces every entry without reporting anything (a baseline). */
  void reset(FileTable now) {
    now.trim();
    files = now;
  }

  /** Removes an entry and every entry below it (a deleted directory); returns what went, by key. */
  List<Map.Entry<String, FileState>> removeSubtree(String key) {
    return files.removeSubtree(key);
  }

  /** Removes every entry and directory; returns the entries that went. */
  FileTable clear() {
    FileTable old = files;
    files = new FileTable(old.root());
    dirs.clear();
    return old;
  }

  /**
   * Emits DELETED, CREATED and MODIFIED for every difference between the entries and {@code now}
   * (each kind in key order), then keeps {@code now}.
   */
  void diff(FileTable now, Emitter out) {
    for (String k : files.sortedKeys()) {
      if (!now.containsKey(k)) {
        out.emit(ChangeKind.DELETED, k, Objects.requireNonNull(files.get(k)));
      }
    }
    for (String k : now.sortedKeys()) {
      if (!files.containsKey(k)) {
        out.emit(ChangeKind.CREATED, k, Objects.requireNonNull(now.get(k)));
      } else if (!files.sameStat(k, now)) {
        out.emit(ChangeKind.MODIFIED, k, Objects.requireNonNull(now.get(k)));
      }
    }
    reset(now);
  }

  /**
   * A directory the watcher registered, with the file key it had then (null where none): the JDK's
   * key from a {@link TreeScanner} walk, or a {@link PackedKey} from the native engine's
   * walk; kept as a {@code PackedKey} where it has the {@code (dev,ino)} form, so that both compare
   * by value.
   */
  void registered(Path dir, @Nullable Object fileKey) {
    dirs.put(dir, identity(fileKey));
  }

  /**
   * What a directory is known by: a {@link PackedKey} of its device and inode where its
   * file key has that form (the JDK's {@code UnixFileKey}, or a {@code PackedKey} already), else the
   * key itself ({@link TreeScanner#NO_KEY} for none).
   */
  static Object identity(@Nullable Object fileKey) {
    if (fileKey == null || fileKey == TreeScanner.NO_KEY) {
      return TreeScanner.NO_KEY;
    }
    if (fileKey instanceof PackedKey) {
      return fileKey;
    }
    long[] di = PackedKey.parse(fileKey);
    return di == null ? fileKey : new PackedKey(di[0], di[1]);
  }

  /**
   * A DELETE was seen for {@code dir}: when it was a known directory, its watch is gone — unless
   * the same directory is there again (the DELETE of a path that the watcher thread has since seen
   * re-created and registered anew keeps the new record).
   */
  void dirGone(Path dir) {
    Object known = dirs.get(dir);
    if (known == null) {
      return;
    }
    try {
      Object now =
          Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
      if (known.equals(identity(now))) {
        return;
      }
    } catch (IOException gone) {
      // gone indeed
    }
    dirs.remove(dir, known);
  }

  /** Forgets every directory (before the watcher registers them all again). */
  void clearDirs() {
    dirs.clear();
  }

  /**
   * The directories of a scan (path → file key) that are not registered as the same directory: new
   * ones, and ones re-created under a known name. Empty when every watch is in place.
   */
  List<Path> unregistered(Map<Path, Object> scanned) {
    List<Path> out = new ArrayList<>();
    for (Map.Entry<Path, Object> e : scanned.entrySet()) {
      Object known = dirs.get(e.getKey());
      if (known == null || !known.equals(identity(e.getValue()))) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** How many directories are known. */
  int dirCount() {
    return dirs.size();
  }
}
