package io.changeflux.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads the content of files below one root for hashing, for source providers: the one place where
 * fs {@code hash=true}, poll {@code compare=content} and {@code confirm=sha256} open a file. Its
 * rules:
 *
 * <ul>
 *   <li>Attributes are read without following links; only a regular file is ever opened. A FIFO
 *       (whose open blocks until a writer comes), a socket, a device or a directory gives {@link
 *       HashOutcome#NOT_REGULAR}.
 *   <li>The open itself does not follow a link ({@code O_NOFOLLOW}), and after the open the path
 *       must still name the same regular file (same file key), so a file swapped for a link or a
 *       device between the check and the open gives {@link HashOutcome#REPLACED}, not its bytes.
 *   <li>A symbolic link — the file itself or a directory between the root and it — is followed only
 *       when the hasher was made with {@code followLinks} ({@link HashOutcome#LINK} otherwise), and
 *       never to a target outside the root ({@link HashOutcome#OUTSIDE_ROOT}).
 *   <li>The content is read in {@value #BLOCK_SIZE}-byte blocks up to the size the file had when
 *       it was opened: a file that keeps growing is still read to an end. The read is
 *       interruptible: interrupting the thread (a cancelled subscription) stops it ({@link
 *       HashOutcome#UNREADABLE}).
 *   <li>Nothing throws: a file that vanishes ({@link HashOutcome#GONE}) or cannot be read ({@link
 *       HashOutcome#UNREADABLE}) gives "no hash" and the caller decides what that means.
 * </ul>
 *
 * <p>What it cannot prevent: a FIFO put in place of a regular file in the microseconds between the
 * check and the open still blocks that open (Java has no non-blocking open); the link check of the
 * directories on the way is a check, not an {@code openat} walk. Instances are thread-safe (the
 * root's real path is remembered between calls).
 */
public final class FileHasher {

  /** The read block: large enough to read at disk speed, small enough to stay in cache. */
  public static final int BLOCK_SIZE = 64 * 1024;

  private static final ThreadLocal<byte[]> BLOCKS = ThreadLocal.withInitial(() -> new byte[BLOCK_SIZE]);
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private final Path root;
  private final boolean followLinks;
  private volatile @Nullable Path realRoot;

  private FileHasher(Path root, boolean followLinks) {
    this.root = root.toAbsolutePath().normalize();
    this.followLinks = followLinks;
  }

  /**
   * A hasher for files below {@code root} that follows no symbolic link.
   *
   * @param root the directory nothing outside of is read; made absolute and normalised
   * @return the hasher; thread-safe (each thread reads through its own block)
   */
  public static FileHasher within(Path root) {
    return within(root, false);
  }

  /**
   * A hasher for files below {@code root}; with {@code followLinks}, links whose target lies below
   * the root are followed (default of {@link #within(Path)}: none are).
   *
   * @param root the directory nothing outside of is read; made absolute and normalised
   * @param followLinks whether links whose target lies below the root are followed
   * @return the hasher; thread-safe (each thread reads through its own block)
   */
  public static FileHasher within(Path root, boolean followLinks) {
    return new FileHasher(Objects.requireNonNull(root, "root"), followLinks);
  }

  /**
   * The root, absolute and normalised; nothing outside it is read.
   *
   * @return the root
   */
  public Path root() {
    return root;
  }

  /**
   * Whether links inside the root are followed.
   *
   * @return {@code true} when links inside the root are followed
   */
  public boolean followLinks() {
    return followLinks;
  }

  /**
   * The hex SHA-256 of {@code file}'s content, or empty when it gives no hash (any outcome but
   * {@link HashOutcome#HASHED}; see {@link #read}).
   *
   * @param file a path below the root, or relative to it
   * @return the hex SHA-256, or empty
   */
  public Optional<String> sha256(Path file) {
    MessageDigest md = newSha256();
    return read(file, md::update).hashed()
        ? Optional.of(HexFormat.of().formatHex(md.digest()))
        : Optional.empty();
  }

  /**
   * Streams {@code file}'s content (a path below the root, or relative to it) into {@code sink}
   * under the rules above. Only when the result is {@link HashOutcome#HASHED} did the sink get the
   * whole content; otherwise it may have got part of it and must be discarded.
   *
   * @param file a path below the root, or relative to it
   * @param sink what receives the content, block by block; not null
   * @return how the read ended; never throws for a file that cannot be read
   */
  public HashOutcome read(Path file, ContentSink sink) {
    Objects.requireNonNull(sink, "sink");
    Path p = root.resolve(file).toAbsolutePath().normalize();
    if (!p.startsWith(root)) {
      return HashOutcome.OUTSIDE_ROOT;
    }
    BasicFileAttributes seen;
    Path target = p;
    try {
      seen = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
      Path parent = p.getParent();
      if (seen.isSymbolicLink() || (parent != null && !parent.equals(root) && !p.equals(root))) {
        // a link here or on the way: resolve where it really is
        if (seen.isSymbolicLink() && !followLinks) {
          return HashOutcome.LINK;
        }
        Path real =
            seen.isSymbolicLink() || parent == null // (parent is not null here unless p is a link)
                ? p.toRealPath()
                : parent.toRealPath().resolve(p.getFileName());
        Path cached = realRoot;
        HashOutcome refused = judge(p, real, seen.isSymbolicLink(), cached != null ? cached : realRoot());
        if (refused != null && cached != null) {
          refused = judge(p, real, seen.isSymbolicLink(), realRoot()); // the root may have moved
        }
        if (refused != null) {
          return refused;
        }
        if (seen.isSymbolicLink()) {
          seen = Files.readAttributes(real, BasicFileAttributes.class, NOFOLLOW);
        }
        target = real;
      }
    } catch (NoSuchFileException | NotDirectoryException gone) {
      return HashOutcome.GONE;
    } catch (IOException | SecurityException unreadable) {
      return HashOutcome.UNREADABLE;
    }
    if (!seen.isRegularFile()) {
      return HashOutcome.NOT_REGULAR;
    }
    return readRegular(target, seen, sink);
  }

  /** Why {@code real} (where {@code p} really is) may not be read, or null when it may. */
  private @Nullable HashOutcome judge(Path p, Path real, boolean isLink, Path realRoot) {
    if (!isLink && !followLinks && !real.equals(realRoot.resolve(root.relativize(p)))) {
      return HashOutcome.LINK; // a linked directory on the way
    }
    return real.startsWith(realRoot) ? null : HashOutcome.OUTSIDE_ROOT;
  }

  /**
   * The root's real path, resolved again and remembered. A remembered value only makes the checks
   * stricter when the root moves (a path below the new place is not below the old one), and a
   * refusal is always re-judged against a fresh value.
   */
  private Path realRoot() throws IOException {
    Path r = root.toRealPath();
    realRoot = r;
    return r;
  }

  private static HashOutcome readRegular(Path target, BasicFileAttributes seen, ContentSink sink) {
    SeekableByteChannel ch;
    try {
      ch = Files.newByteChannel(target, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException gone) {
      return HashOutcome.GONE;
    } catch (AccessDeniedException denied) {
      return HashOutcome.UNREADABLE;
    } catch (java.nio.file.FileSystemException e) {
      // ELOOP: the name became a link after the check
      return Files.isSymbolicLink(target) ? HashOutcome.REPLACED : HashOutcome.UNREADABLE;
    } catch (IOException | SecurityException e) {
      return HashOutcome.UNREADABLE;
    }
    try (ch) {
      BasicFileAttributes opened = Files.readAttributes(target, BasicFileAttributes.class, NOFOLLOW);
      Object was = seen.fileKey();
      Object is = opened.fileKey();
      if (!opened.isRegularFile() || (was != null && is != null && !was.equals(is))) {
        return HashOutcome.REPLACED;
      }
      long left = ch.size(); // the size when opened: a growing file is still read to an end
      byte[] block = BLOCKS.get();
      ByteBuffer buf = ByteBuffer.wrap(block);
      while (left > 0) {
        buf.clear();
        if (left < block.length) {
          buf.limit((int) left);
        }
        int n = ch.read(buf);
        if (n < 0) {
          return HashOutcome.REPLACED; // truncated while read
        }
        sink.update(block, 0, n);
        left -= n;
      }
      return HashOutcome.HASHED;
    } catch (NoSuchFileException gone) {
      return HashOutcome.GONE;
    } catch (ClosedByInterruptException interrupted) {
      return HashOutcome.UNREADABLE; // the interrupt flag stays set for the caller
    } catch (IOException | SecurityException e) {
      return HashOutcome.UNREADABLE;
    }
  }

  /**
   * A fresh SHA-256 digest.
   *
   * @return a new digest; not thread-safe
   */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e); // every Java platform has it
    }
  }

  @Override
  public String toString() {
    return "FileHasher[" + root + (followLinks ? ", followLinks" : "") + "]";
  }
}
