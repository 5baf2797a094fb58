package io.changeflux;

import io.changeflux.files.FileHasher;
import io.changeflux.files.HashOutcome;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/** Ready-made {@link ShaResolver}s. */
public final class ShaResolvers {

  /** The read block of {@link #fileSha256()} ({@link FileHasher#BLOCK_SIZE}): a 5 GB file never sits in memory. */
  public static final int BUFFER_SIZE = FileHasher.BLOCK_SIZE;

  private ShaResolvers() {}

  /**
   * The hex SHA-256 of the file at the event's {@link ChangeEvent#path()}, read by a {@link
   * FileHasher} rooted where the event's key starts (the path minus the key's segments; the file's
   * directory when the key is not a suffix of the path), following no link. A file that no longer
   * exists resolves to null (the event becomes DELETED). What cannot be hashed passes unchanged: an
   * event without a path, a directory, a FIFO, socket or device (never opened, so never blocks), a
   * symbolic link, a file replaced while it was read; one that cannot be read is logged.
   *
   * @return the resolver; stateless and thread-safe
   */
  public static ShaResolver fileSha256() {
    return e -> {
      Path p = e.path().orElseThrow(() -> new NotApplicable("event has no path: " + e.key()));
      return sha256(FileHasher.within(rootOf(p, e.key())), p);
    };
  }

  /**
   * {@link #fileSha256()} for files below {@code root}, following links inside it when {@code
   * followLinks} (never to a target outside it); an event whose path is outside passes unchanged.
   *
   * @param root the directory no resolved file may lie outside of
   * @param followLinks whether links inside {@code root} are followed
   * @return the resolver; thread-safe
   */
  public static ShaResolver fileSha256(Path root, boolean followLinks) {
    FileHasher hasher = FileHasher.within(root, followLinks);
    return e -> {
      Path p = e.path().orElseThrow(() -> new NotApplicable("event has no path: " + e.key()));
      return sha256(hasher, p);
    };
  }

  /**
   * The content SHA-256 that {@code confirm=sha256} uses: the file's, as {@link #fileSha256()},
   * for events with a path; the payload's for events without one (Redis, NATS messages).
   *
   * @return the resolver; stateless and thread-safe
   */
  public static ShaResolver sha256() {
    ShaResolver file = fileSha256();
    return e -> e.path().isPresent() ? file.resolve(e) : sha256(e.payload());
  }

  /**
   * A resolver that computes the id from the event's key, such as a branch name → its commit id
   * ({@code key -> git.resolve("refs/heads/" + key)}). A null result means the thing is gone.
   *
   * @param lookup gives the current id of a key, or null when the thing is gone; called on the
   *     confirming scheduler, so it may block
   * @return the resolver
   */
  public static ShaResolver byKey(IOFunction<String, String> lookup) {
    Objects.requireNonNull(lookup, "lookup");
    return e -> lookup.apply(e.key());
  }

  /**
   * The hex SHA-256 of a file's bytes, streamed by a {@link FileHasher} rooted at its directory
   * (so a link is not followed).
   *
   * @throws NoSuchFileException when it does not exist
   * @throws NotApplicable when it is not a regular file, is a link or was replaced while read
   * @throws IOException when it cannot be read
   * @param file the file to hash
   * @return the lower-case hex SHA-256 of its content
   */
  public static String sha256(Path file) throws IOException {
    Path abs = file.toAbsolutePath().normalize();
    Path dir = abs.getParent();
    return sha256(FileHasher.within(dir == null ? abs : dir), abs);
  }

  private static String sha256(FileHasher hasher, Path file) throws IOException {
    MessageDigest md = FileHasher.newSha256();
    HashOutcome outcome = hasher.read(file, md::update);
    switch (outcome) {
      case HASHED:
        return HexFormat.of().formatHex(md.digest());
      case GONE:
        throw new NoSuchFileException(file.toString());
      case UNREADABLE:
        if (Thread.currentThread().isInterrupted()) {
          throw new java.io.InterruptedIOException("interrupted while reading " + file);
        }
        throw new IOException("cannot read " + file);
      default:
        throw new NotApplicable(describe(outcome) + ": " + file);
    }
  }

  private static String describe(HashOutcome o) {
    switch (o) {
      case NOT_REGULAR:
        return "not a regular file";
      case LINK:
        return "a symbolic link (links are not followed)";
      case OUTSIDE_ROOT:
        return "outside the watched root";
      default:
        return "replaced while it was read";
    }
  }

  /** Where the event's key starts in its path: the path minus the key's segments, else its directory. */
  static Path rootOf(Path path, String key) {
    Path abs = path.toAbsolutePath().normalize();
    try {
      Path k = abs.getFileSystem().getPath(key).normalize();
      if (!key.isEmpty() && !k.isAbsolute() && !k.startsWith("..") && abs.endsWith(k)) {
        Path r = abs;
        for (int i = 0; i < k.getNameCount() && r != null; i++) {
          r = r.getParent();
        }
        if (r != null) {
          return r;
        }
      }
    } catch (java.nio.file.InvalidPathException notAPath) {
      // fall through
    }
    Path dir = abs.getParent();
    return dir == null ? abs : dir;
  }

  /**
   * The hex SHA-256 of some bytes.
   *
   * @param bytes the bytes to hash; not null
   * @return the lower-case hex SHA-256
   */
  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(FileHasher.newSha256().digest(bytes));
  }

  /**
   * Thrown by a resolver when the event names nothing it can resolve (a directory, a FIFO, a
   * link, an event without a path): the event passes unconfirmed, logged at debug level only.
   */
  public static final class NotApplicable extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * With a message saying why.
     *
     * @param message why the event cannot be resolved, for the debug log
     */
    public NotApplicable(String message) {
      super(message);
    }
  }

  /**
   * A function that may throw {@link IOException}.
   *
   * @param <T> the argument type
   * @param <R> the result type
   */
  @FunctionalInterface
  public interface IOFunction<T, R> {
    /**
     * Applies the function.
     *
     * @param t the argument
     * @return the result; may be null where the caller allows it
     * @throws IOException when the function cannot produce its result
     */
    R apply(T t) throws IOException;
  }
}
