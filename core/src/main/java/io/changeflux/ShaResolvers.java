package io.changeflux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/** Ready-made {@link ShaResolver}s. */
public final class ShaResolvers {

  /** The read buffer of {@link #fileSha256()}: large enough to stream at disk speed, small enough to never matter. */
  public static final int BUFFER_SIZE = 1 << 20;

  private ShaResolvers() {}

  /**
   * The hex SHA-256 of the file at the event's {@link ChangeEvent#path()}, streamed through a
   * buffer of at most {@value #BUFFER_SIZE} bytes (a 5 GB file never sits in memory). A file that
   * no longer exists resolves to null (the event becomes DELETED); a directory, or an event without
   * a path, cannot be resolved (the event passes unchanged).
   */
  public static ShaResolver fileSha256() {
    return e -> {
      Path p = e.path().orElseThrow(() -> new NotApplicable("event has no path: " + e.key()));
      return sha256(p);
    };
  }

  /**
   * The content SHA-256 that {@code confirm=sha256} uses: the file's, as {@link #fileSha256()},
   * for events with a path; the payload's for events without one (Redis, NATS messages).
   */
  public static ShaResolver sha256() {
    ShaResolver file = fileSha256();
    return e -> e.path().isPresent() ? file.resolve(e) : sha256(e.payload());
  }

  /**
   * A resolver that computes the id from the event's key, such as a branch name → its commit id
   * ({@code key -> git.resolve("refs/heads/" + key)}). A null result means the thing is gone.
   */
  public static ShaResolver byKey(IOFunction<String, String> lookup) {
    Objects.requireNonNull(lookup, "lookup");
    return e -> lookup.apply(e.key());
  }

  /** The hex SHA-256 of a file's bytes, streamed. */
  public static String sha256(Path file) throws IOException {
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new NotApplicable("is a directory: " + file);
    }
    MessageDigest md = newDigest();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        InputStream in = Channels.newInputStream(ch)) {
      long size = ch.size();
      byte[] buf = new byte[(int) Math.max(8192, Math.min(BUFFER_SIZE, size + 1))];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** The hex SHA-256 of some bytes. */
  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex); // every Java platform has SHA-256
    }
  }

  /**
   * Thrown by a resolver when the event names nothing it can resolve (a directory, an event
   * without a path): the event passes unconfirmed, logged at debug level only.
   */
  public static final class NotApplicable extends IOException {
    private static final long serialVersionUID = 1L;

    /** With a message saying why. */
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
    /** Applies the function. */
    R apply(T t) throws IOException;
  }
}
