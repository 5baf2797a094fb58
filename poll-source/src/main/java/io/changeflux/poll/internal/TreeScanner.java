package io.changeflux.poll.internal;

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
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private volatile int lastCount;

  /** What a walk reports. */
  public interface Visitor {
    /** A directory the walk enters (the start included). */
    void directory(Path dir) throws IOException;

    /** An entry: a file, or a link that is not followed. */
    void file(Path file, String key, BasicFileAttributes attrs) throws IOException;
  }

  /**
   * A scanner of {@code root} (absolute, normalised).
   *
   * @param recursive descend into sub-directories
   * @param followLinks follow symbolic links to directories (with loop protection) and report a
   *     link to a file with the target's size and time
   */
  public TreeScanner(Path root, boolean recursive, boolean followLinks) {
    this.root = root.toAbsolutePath().normalize();
    this.recursive = recursive;
    this.followLinks = followLinks;
  }

  /** The root. */
  public Path root() {
    return root;
  }

  /** Whether sub-directories are walked. */
  public boolean recursive() {
    return recursive;
  }

  /** Whether links to directories are followed. */
  public boolean followLinks() {
    return followLinks;
  }

  /**
   * The key of a path under the root ({@code a/b.txt}); null for the root itself or a path outside
   * it.
   */
  public String key(Path path) {
    if (!path.startsWith(root) || path.equals(root)) {
      return null;
    }
    String rel = root.relativize(path).toString();
    return File.separatorChar == '/' ? rel : rel.replace(File.separatorChar, '/');
  }

  /** Whether a key is one this scanner reports (not below the first level when not recursive). */
  public boolean inScope(String key) {
    return key != null && (recursive || key.indexOf('/') < 0);
  }

  /**
   * Scans the whole tree: key → state, in no particular order.
   *
   * @throws NoSuchFileException when the root does not exist
   * @throws NotDirectoryException when the root is not a directory
   * @throws IOException when the root cannot be read
   */
  public Map<String, FileState> scan() throws IOException {
    return scan(null);
  }

  /**
   * Scans the whole tree, adding every directory walked (the root included) to {@code dirs} when
   * it is not null.
   */
  public Map<String, FileState> scan(Set<Path> dirs) throws IOException {
    // Sized for the last scan's count, so that a large tree is not rehashed on every scan.
    HashMap<String, FileState> out = new HashMap<>(Math.max(16, lastCount + lastCount / 3 + 16));
    checkRoot();
    walk(
        root,
        new Visitor() {
          @Override
          public void directory(Path dir) {
            if (dirs != null) {
              dirs.add(dir);
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

  /** Throws when the root is missing or not a directory. */
  public void checkRoot() throws IOException {
    BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class);
    if (!a.isDirectory()) {
      throw new NotDirectoryException(root.toString());
    }
  }

  /** The state of a file from its attributes. */
  public static FileState state(Path file, BasicFileAttributes attrs) {
    return new FileState(file, attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS));
  }

  /**
   * The current state of one entry, read the way a walk reads it; null when it is gone, is a
   * directory, or cannot be read.
   */
  public FileState stat(Path file) {
    try {
      BasicFileAttributes a =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
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
   */
  public void walk(Path start, Visitor visitor, boolean failOnStart) throws IOException {
    Path s = start.toAbsolutePath().normalize();
    if (!s.equals(root) && (!recursive || !s.startsWith(root))) {
      return;
    }
    Set<Object> ancestors = new HashSet<>();
    Path p = s;
    while (p != null && p.startsWith(root)) {
      try {
        Object fk = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
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
    walkDir(s, null, k == null ? "" : k + "/", visitor, ancestors, failOnStart);
  }

  /**
   * Walks one directory. Keys are built from {@code prefix} (the directory's key and a {@code /},
   * empty for the root) and each entry's name, and entries are read relative to the open
   * directory where the platform allows it ({@link SecureDirectoryStream}: {@code fstatat}
   * instead of resolving the whole path again for every file).
   */
  private void walkDir(
      Path dir,
      SecureDirectoryStream<Path> parent,
      String prefix,
      Visitor visitor,
      Set<Object> ancestors,
      boolean failOnError)
      throws IOException {
    try {
      visitor.directory(dir);
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
          if (!recursive) {
            continue;
          }
          Object fk = a.fileKey();
          if (fk != null && !ancestors.add(fk)) {
            warnOnce(entry, new IOException("symbolic link loop, not followed"));
            continue;
          }
          try {
            walkDir(entry, link ? null : secure, key + "/", visitor, ancestors, false);
          } finally {
            if (fk != null) {
              ancestors.remove(fk);
            }
          }
        } else {
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
      if (failOnError) {
        throw e.getCause();
      }
      warnOnce(dir, e.getCause());
    }
  }

  /** Thrown by a visitor to stop a walk (never swallowed as an unreadable directory). */
  public static class VisitorException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Wraps the visitor's failure. */
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

  /** A path for a log line: very long ones keep their start and end. */
  public static String shorten(String path) {
    return path.length() <= 300
        ? path
        : path.substring(0, 120) + "…(" + path.length() + " chars)…" + path.substring(path.length() - 120);
  }

  /** A one-line description of a file-system error. */
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
