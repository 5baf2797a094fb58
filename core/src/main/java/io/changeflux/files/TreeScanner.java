package io.changeflux.files;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a watched tree the way every changeflux file backend sees it: regular files (and, when
 * links are not followed, symbolic links themselves) are entries keyed by their path relative to
 * the root with {@code /} separators; directories are descended into (only the root's own files
 * when not recursive); directories that cannot be read are skipped with one warning each;
 * symbolic links to directories are followed only when asked, never into a directory that is
 * already being walked (loop protection). Paths are never outside the root: a followed link is
 * named by its path inside the root.
 */
public final class TreeScanner {

  private static final Logger log = LoggerFactory.getLogger(TreeScanner.class);
  private static final int MAX_WARNED = 10_000;
  // 3 bytes a char at most in UTF-8 (4 for a surrogate pair), and room for a 255-byte name: far
  // below Linux's PATH_MAX of 4096.
  private static final int RELATIVE_OPEN_MAX_CHARS = 1200;

  private final Path root;
  private final boolean recursive;
  private final boolean followLinks;
  private final Predicate<String> prune;
  private final Predicate<String> skip;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private volatile int lastCount;

  /** What a walk reports. */
  public interface Visitor {
    /**
     * A directory the walk enters (the start included).
     *
     * @param dir the absolute path of the directory
     * @throws IOException to stop the walk; {@link #walk} rethrows it as a {@link
     *     VisitorException}, never taking it for an unreadable directory
     */
    void directory(Path dir) throws IOException;

    /**
     * A directory the walk enters, with its file key (null where the platform has none); by
     * default {@link #directory(Path)}.
     *
     * @param dir the absolute path of the directory
     * @param fileKey the directory's {@link BasicFileAttributes#fileKey()}, or null
     * @throws IOException to stop the walk, as for {@link #directory(Path)}
     */
    default void directory(Path dir, @Nullable Object fileKey) throws IOException {
      directory(dir);
    }

    /**
     * An entry: a file, or a link that is not followed.
     *
     * @param file the absolute path of the entry (inside the root, also for a followed link)
     * @param key the entry's key: its path relative to the root, with {@code /} separators
     * @param attrs the entry's attributes (the target's, for a followed link to a file)
     * @throws IOException to stop the walk, as for {@link #directory(Path)}
     */
    void file(Path file, String key, BasicFileAttributes attrs) throws IOException;
  }

  /**
   * A scanner of {@code root} (absolute, normalised).
   *
   * @param recursive descend into sub-directories
   * @param followLinks follow symbolic links to directories (with loop protection) and report a
   *     link to a file with the target's size and time
   * @param root the watched directory; made absolute and normalised here
   */
  public TreeScanner(Path root, boolean recursive, boolean followLinks) {
    this(root, recursive, followLinks, null);
  }

  /**
   * A scanner of {@code root} that never enters the directories {@code prune} is true for (given a
   * directory's key, {@code a/node_modules}): what git ignores, or what an exclude pattern drops
   * whole. Nothing below such a directory is listed, and a walk that starts in one lists nothing.
   * The predicate is asked again by every walk, so a rule that changes takes effect at the next.
   *
   * @param root the watched directory; made absolute and normalised here
   * @param recursive descend into sub-directories
   * @param followLinks follow symbolic links to directories (with loop protection)
   * @param prune null: enter every directory
   */
  public TreeScanner(Path root, boolean recursive, boolean followLinks, @Nullable Predicate<String> prune) {
    this(root, recursive, followLinks, prune, null);
  }

  /**
   * A scanner as above that also leaves out the entries {@code skip} is true for (given an entry's
   * key): they are not listed, and {@link #inScope} is false for them (what git ignores).
   *
   * @param root the watched directory; made absolute and normalised here
   * @param recursive descend into sub-directories
   * @param followLinks follow symbolic links to directories (with loop protection)
   * @param prune null: enter every directory
   * @param skip null: list every entry
   */
  public TreeScanner(
      Path root,
      boolean recursive,
      boolean followLinks,
      @Nullable Predicate<String> prune,
      @Nullable Predicate<String> skip) {
    this.root = root.toAbsolutePath().normalize();
    this.recursive = recursive;
    this.followLinks = followLinks;
    this.prune = prune == null ? k -> false : prune;
    this.skip = skip == null ? k -> false : skip;
  }

  /**
   * Whether {@code dir} (a path under the root) is a pruned directory or lies below one; false for
   * the root and for paths outside it.
   *
   * @param dir a directory path
   * @return {@code true} when a walk would not enter {@code dir}
   */
  public boolean pruned(Path dir) {
    String k = key(dir.toAbsolutePath().normalize());
    if (k == null) {
      return false;
    }
    for (int s = k.indexOf('/'); s >= 0; s = k.indexOf('/', s + 1)) {
      if (prune.test(k.substring(0, s))) {
        return true;
      }
    }
    return prune.test(k);
  }

  /**
   * Whether a walk leaves out the directory of this key (the prune predicate of this one directory,
   * not of its ancestors: a walk asks it of every directory it meets before entering it).
   *
   * @param dirKey a directory's key ({@code a/node_modules})
   * @return {@code true} when a walk would not enter the directory
   */
  public boolean prunes(String dirKey) {
    return prune.test(dirKey);
  }

  /**
   * Logs once per path (for the lifetime of this scanner, as a walk does) that {@code path} is
   * skipped: for a walk of another kind over the same tree, so that its warnings are this one's.
   *
   * @param path the directory or entry that cannot be read
   * @param e why
   */
  public void skipped(Path path, IOException e) {
    warnOnce(path, e);
  }

  /**
   * The root.
   *
   * @return the absolute, normalised root
   */
  public Path root() {
    return root;
  }

  /**
   * Whether sub-directories are walked.
   *
   * @return {@code true} when sub-directories are walked
   */
  public boolean recursive() {
    return recursive;
  }

  /**
   * Whether links to directories are followed.
   *
   * @return {@code true} when links to directories are followed
   */
  public boolean followLinks() {
    return followLinks;
  }

  /**
   * The key of a path under the root ({@code a/b.txt}); null for the root itself or a path outside
   * it.
   *
   * @param path an absolute, normalised path
   * @return the key, or null
   */
  public @Nullable String key(Path path) {
    if (!path.startsWith(root) || path.equals(root)) {
      return null;
    }
    String rel = root.relativize(path).toString();
    return File.separatorChar == '/' ? rel : rel.replace(File.separatorChar, '/');
  }

  /**
   * Whether a key is one this scanner reports (not below the first level when not recursive, not
   * one it skips).
   *
   * @param key a key, or null
   * @return {@code true} when the key is not null, within the scanned depth and not skipped
   */
  public boolean inScope(@Nullable String key) {
    return key != null && (recursive || key.indexOf('/') < 0) && !skip.test(key);
  }

  /**
   * Scans the whole tree: key → state, in no particular order.
   *
   * @throws NoSuchFileException when the root does not exist
   * @throws NotDirectoryException when the root is not a directory
   * @throws IOException when the root cannot be read
   * @return the state of every entry, by key; a new, mutable map
   */
  public Map<String, FileState> scan() throws IOException {
    return scan(null);
  }

  /**
   * Scans the whole tree, adding every directory walked (the root included) to {@code dirs} when
   * it is not null.
   *
   * @param dirs where to add the absolute path of every directory walked; null for none
   * @return the state of every entry, by key; a new, mutable map
   * @throws IOException when the root is missing, not a directory or cannot be read
   */
  public Map<String, FileState> scan(@Nullable Set<Path> dirs) throws IOException {
    return scanDirs(
        dirs == null
            ? null
            : new DirVisitor() {
              @Override
              public void dir(Path dir, @Nullable Object fileKey) {
                dirs.add(dir);
              }
            });
  }

  /**
   * Scans the whole tree, putting every directory walked (the root included) with its file key
   * (or a placeholder where the platform has none) into {@code dirs}: directories known by
   * identity, so that a directory re-created under the same name is seen as a new one.
   *
   * @param dirs where to put every directory walked with its file key; not null
   * @return the state of every entry, by key; a new, mutable map
   * @throws IOException when the root is missing, not a directory or cannot be read
   */
  public Map<String, FileState> scanWithDirKeys(Map<Path, Object> dirs) throws IOException {
    return scanDirs(
        new DirVisitor() {
          @Override
          public void dir(Path dir, @Nullable Object fileKey) {
            dirs.put(dir, fileKey == null ? NO_KEY : fileKey);
          }
        });
  }

  /** The file key recorded for a directory on a platform without file keys. */
  public static final Object NO_KEY = new Object();

  private interface DirVisitor {
    void dir(Path dir, @Nullable Object fileKey);
  }

  private Map<String, FileState> scanDirs(@Nullable DirVisitor dirs) throws IOException {
    // Sized for the last scan's count, so that a large tree is not rehashed on every scan.
    HashMap<String, FileState> out = new HashMap<>(Math.max(16, lastCount + lastCount / 3 + 16));
    checkRoot();
    walk(
        root,
        new Visitor() {
          @Override
          public void directory(Path dir) {}

          @Override
          public void directory(Path dir, @Nullable Object fileKey) {
            if (dirs != null) {
              dirs.dir(dir, fileKey);
            }
          }

          @Override
          public void file(Path file, String key, BasicFileAttributes attrs) {
            out.put(key, state(file, attrs));
          }
        },
        true);
    lastCount = out.size();
    return out;
  }

  /**
   * Throws when the root is missing or not a directory.
   *
   * @throws IOException when the root does not exist or cannot be read ({@link
   *     NotDirectoryException} when it is not a directory)
   */
  public void checkRoot() throws IOException {
    BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class);
    if (!a.isDirectory()) {
      throw new NotDirectoryException(root.toString());
    }
  }

  /**
   * The state of a file from its attributes.
   *
   * @param file the file's absolute path
   * @param attrs its attributes, as read by a walk
   * @return its size, modification time (ns) and file key, with no SHA
   */
  public static FileState state(Path file, BasicFileAttributes attrs) {
    return new FileState(
        file, attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS), null, attrs.fileKey());
  }

  /**
   * The current state of one entry, read the way a walk reads it; null when it is gone, is a
   * directory, or cannot be read.
   *
   * @param file the entry's absolute path
   * @return its state, or null
   */
  public @Nullable FileState stat(Path file) {
    return stat(file, null);
  }

  /**
   * {@link #stat(Path)}, also telling whether the entry itself is a symbolic link (from the same
   * {@code lstat}, so a caller needs no second one to ask).
   *
   * @param file the entry's absolute path
   * @param link where to set element 0 to whether the entry is a symbolic link (left alone when
   *     it cannot be read); null: not asked
   * @return its state, or null
   */
  public @Nullable FileState stat(Path file, boolean @Nullable [] link) {
    try {
      BasicFileAttributes a =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (link != null) {
        link[0] = a.isSymbolicLink();
      }
      if (a.isSymbolicLink() && followLinks) {
        try {
          a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException dangling) {
          // a dangling link is reported as the link itself
        }
      }
      return a.isDirectory() ? null : state(file, a);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Walks from {@code start} (the root or a directory under it), reporting it and every directory
   * it enters, and every entry.
   *
   * @param failOnStart whether a start that cannot be read throws (true for the root) or is
   *     skipped with a warning
   * @param start the absolute path to start from; a path outside the root (or below it, when not
   *     recursive) walks nothing
   * @param visitor what receives the directories and entries; not null
   * @throws IOException when the start cannot be read and {@code failOnStart} is set, or when the
   *     visitor throws
   */
  public void walk(Path start, Visitor visitor, boolean failOnStart) throws IOException {
    Path s = start.toAbsolutePath().normalize();
    if (!s.equals(root) && (!recursive || !s.startsWith(root) || pruned(s))) {
      return;
    }
    Set<Object> ancestors = new HashSet<>();
    Object startKey = null;
    Path p = s;
    while (p != null && p.startsWith(root)) {
      try {
        Object fk = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        if (p == s) {
          startKey = fk;
        }
        if (fk != null) {
          ancestors.add(fk);
        }
      } catch (IOException e) {
        if (p == s) {
          if (failOnStart) {
            throw e;
          }
          warnOnce(s, e);
          return;
        }
      }
      p = p.getParent();
    }
    String k = key(s);
    walkDir(s, startKey, null, k == null ? "" : k + "/", visitor, ancestors, failOnStart);
  }

  /**
   * Walks one directory. Keys are built from {@code prefix} (the directory's key and a {@code /},
   * empty for the root) and each entry's name, and entries are read relative to the open
   * directory where the platform allows it ({@link SecureDirectoryStream}: {@code fstatat}
   * instead of resolving the whole path again for every file).
   */
  private void walkDir(
      Path dir,
      @Nullable Object dirKey,
      @Nullable SecureDirectoryStream<Path> parent,
      String prefix,
      Visitor visitor,
      Set<Object> ancestors,
      boolean failOnError)
      throws IOException {
    try {
      visitor.directory(dir, dirKey);
    } catch (VisitorException e) {
      throw e;
    } catch (IOException e) {
      throw new VisitorException(e);
    }
    // A sub-directory (not a followed link) is opened relative to its parent's open stream, as
    // long as its whole path is well within PATH_MAX: a deeper one is opened by its path, as
    // every other use of the path (a watch, a stat, a hash) would be, and so skipped alike.
    try (DirectoryStream<Path> entries =
        parent != null && dir.toString().length() < RELATIVE_OPEN_MAX_CHARS
            ? parent.newDirectoryStream(dir.getFileName(), LinkOption.NOFOLLOW_LINKS)
            : Files.newDirectoryStream(dir)) {
      @SuppressWarnings("unchecked")
      SecureDirectoryStream<Path> secure =
          entries instanceof SecureDirectoryStream ? (SecureDirectoryStream<Path>) entries : null;
      for (Path entry : entries) {
        Path name = entry.getFileName();
        BasicFileAttributes a;
        try {
          a =
              secure != null
                  ? secure
                      .getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                      .readAttributes()
                  : Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
          continue;
        } catch (IOException e) {
          warnOnce(entry, e);
          continue;
        }
        boolean link = a.isSymbolicLink();
        if (link && followLinks) {
          try {
            a = Files.readAttributes(entry, BasicFileAttributes.class);
          } catch (IOException dangling) {
            // report the dangling link itself
          }
        }
        String key = prefix + name;
        if (a.isDirectory()) {
          if (!recursive || prune.test(key)) {
            continue;
          }
          Object fk = a.fileKey();
          if (fk != null && !ancestors.add(fk)) {
            warnOnce(entry, new IOException("symbolic link loop, not followed"));
            continue;
          }
          try {
            walkDir(entry, fk, link ? null : secure, key + "/", visitor, ancestors, false);
          } finally {
            if (fk != null) {
              ancestors.remove(fk);
            }
          }
        } else if (!skip.test(key)) {
          try {
            visitor.file(entry, key, a);
          } catch (VisitorException e) {
            throw e;
          } catch (IOException e) {
            throw new VisitorException(e);
          }
        }
      }
    } catch (VisitorException e) {
      throw e;
    } catch (IOException e) {
      if (failOnError) {
        throw e;
      }
      warnOnce(dir, e);
    } catch (java.nio.file.DirectoryIteratorException e) {
      IOException cause = java.util.Objects.requireNonNull(e.getCause()); // its constructor rejects null
      if (failOnError) {
        throw cause;
      }
      warnOnce(dir, cause);
    }
  }

  /** Thrown by a visitor to stop a walk (never swallowed as an unreadable directory). */
  public static class VisitorException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Wraps the visitor's failure.
     *
     * @param cause the failure that stops the walk; not null
     */
    public VisitorException(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private void warnOnce(Path path, IOException e) {
    String p = path.toString();
    if (warned.size() < MAX_WARNED && warned.add(p)) {
      log.warn("skipping {}: {}", shorten(p), describe(e));
    }
  }

  /**
   * A path for a log line: very long ones keep their start and end.
   *
   * @param path any path text
   * @return the path itself up to 300 characters; else its first and last 120 with the length
   *     between
   */
  public static String shorten(String path) {
    return path.length() <= 300
        ? path
        : path.substring(0, 120) + "…(" + path.length() + " chars)…" + path.substring(path.length() - 120);
  }

  /**
   * A one-line description of a file-system error.
   *
   * @param e the error
   * @return the exception's simple class name with the reason (for a {@link
   *     java.nio.file.FileSystemException}) or the message
   */
  public static String describe(IOException e) {
    String m = e.getMessage();
    String name = e.getClass().getSimpleName();
    if (e instanceof java.nio.file.FileSystemException) {
      String reason = ((java.nio.file.FileSystemException) e).getReason();
      return name + (reason == null ? "" : " (" + reason + ")");
    }
    return m == null ? name : name + ": " + m;
  }
}
