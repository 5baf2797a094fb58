package io.changeflux.poll.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of files and strings, streamed through a 64 KB buffer. */
public final class Hashing {

  private static final int BUFFER = 64 * 1024;
  private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[BUFFER]);

  private Hashing() {}

  /** A fresh SHA-256 digest. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * The hex SHA-256 of a file's content; for anything but a regular file (a FIFO would block on
   * open), the SHA-256 of nothing.
   */
  public static String sha256(Path file) throws IOException {
    MessageDigest md = sha256();
    if (!Files.isRegularFile(file)) {
      return HexFormat.of().formatHex(md.digest());
    }
    byte[] buf = BUFFERS.get();
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** The hex SHA-256 of a string's UTF-8 bytes. */
  public static String sha256(String value) {
    return HexFormat.of()
        .formatHex(sha256().digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
