package io.changeflux.poll.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.files.GitIgnore;
import io.changeflux.files.TreeScanner;
import io.changeflux.testkit.HostileStrings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A tree with every kind of entry and name a walk of it must get right, for the tests that compare
 * the native walk with {@link TreeScanner}'s (poll's scan here, fs's registration walk in {@code
 * fs-source}): hostile and undecodable names, links of every kind (to a file, to a directory,
 * dangling, a loop, to itself), a FIFO, empty, deep (opened by path) and unreadable directories,
 * what gitignore prunes and skips, times with nanoseconds and before 1970.
 */
public final class HostileTrees {

  /** {@code a/b/é.txt}'s modification time, ns (before 1970). */
  public static final long BEFORE_1970_NANOS = -81_604_799_876_543_211L;

  /** The unreadable directory's name under the root (mode 000; read anyway by root). */
  public static final String UNREADABLE = "unreadable";

  private HostileTrees() {}

  /**
   * Builds the tree at {@code dir/root}.
   *
   * @param dir an empty directory
   * @return the tree's root
   */
  public static Path build(Path dir) throws IOException, InterruptedException {
    Path root = Files.createDirectory(dir.resolve("root"));
    Files.writeString(root.resolve("plain.txt"), "hello");
    Files.writeString(root.resolve("with\nnewline"), "n");
    Files.writeString(root.resolve("ünïcödé 日本語 💥"), "u");
    Files.createDirectories(root.resolve("a/b/c"));
    Files.writeString(root.resolve("a/b/c/deep.txt"), "deep");
    Files.writeString(root.resolve("a/b/é.txt"), "accent");
    Files.createDirectories(root.resolve("empty"));
    Files.createDirectories(root.resolve("a/empty2"));
    // Hostile names, as the testkit makes them (a name cannot hold '/' or NUL, nor be . or ..)
    Path hostile = Files.createDirectory(root.resolve("hostile"));
    int made = 0;
    for (String s : HostileStrings.text().sampleStream().limit(200).toList()) {
      String name = s.replace('/', '_').replace('\u0000', '_');
      if (name.equals(".") || name.equals("..") || name.getBytes(StandardCharsets.UTF_8).length > 200) {
        continue;
      }
      Path f = hostile.resolve(name);
      if (!Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.writeString(f, name);
        made++;
      }
    }
    assertThat(made).isGreaterThan(50);
    // Bytes that are not UTF-8: a file, a directory with files, a truncated sequence
    FsFixtures.shell(
        root,
        "touch \"$(printf 'bad\\xff.txt')\" && mkdir \"$(printf 'dir\\xfe\\xfd')\""
            + " && echo x > \"$(printf 'dir\\xfe\\xfd')/inside\" && touch \"$(printf 'dir\\xfe\\xfd')/$(printf 'trunc\\xc3')\""
            + " && mkdir \"$(printf 'dir\\xfe\\xfd')/$(printf 'sub\\x80')\" && touch \"$(printf 'dir\\xfe\\xfd')/$(printf 'sub\\x80')/leaf\"");
    // Links: to a file, to a directory, dangling, a loop to an ancestor, a link to itself
    Files.createSymbolicLink(root.resolve("link-file"), Path.of("plain.txt"));
    Files.createSymbolicLink(root.resolve("link-dir"), Path.of("a"));
    Files.createSymbolicLink(root.resolve("dangling"), Path.of("nowhere"));
    Files.createSymbolicLink(root.resolve("a/b/loop"), Path.of("../.."));
    Files.createSymbolicLink(root.resolve("self"), Path.of("self"));
    FsFixtures.shell(root, "mkfifo fifo");
    // What gitignore prunes and skips
    Files.writeString(root.resolve(".gitignore"), "node_modules/\n*.log\nbuild/\n");
    Files.createDirectories(root.resolve("node_modules/pkg"));
    Files.writeString(root.resolve("node_modules/pkg/index.js"), "js");
    Files.createDirectories(root.resolve("logs"));
    Files.writeString(root.resolve("logs/app.log"), "log");
    Files.writeString(root.resolve("logs/keep.txt"), "keep");
    Files.createDirectories(root.resolve("build"));
    Files.writeString(root.resolve("build/out.o"), "o");
    Files.createDirectories(root.resolve(".git/info"));
    Files.writeString(root.resolve(".git/HEAD"), "ref: refs/heads/main\n");
    Files.writeString(root.resolve(".git/info/exclude"), "");
    // Deep enough that its lowest directories are opened by path (1,200 chars and more)
    Path deep = root;
    for (int i = 0; i < 6; i++) {
      deep = Files.createDirectory(deep.resolve(i + "x".repeat(240)));
      Files.writeString(deep.resolve("level" + i), "l");
    }
    // A directory that cannot be read (unless by root), with a file in it
    Path closed = Files.createDirectory(root.resolve(UNREADABLE));
    Files.writeString(closed.resolve("secret"), "s");
    FsFixtures.shell(root, "chmod 000 " + UNREADABLE);
    // A time with nanoseconds, and one before 1970
    Files.setLastModifiedTime(root.resolve("plain.txt"), FileTime.from(1_700_000_000_123_456_789L, TimeUnit.NANOSECONDS));
    // (by touch: the JDK's setLastModifiedTime makes a time before 1970 the epoch itself)
    FsFixtures.shell(root, "TZ=UTC touch -d '1967-06-01 12:00:00.123456789' a/b/é.txt && TZ=UTC touch -h -d '1969-12-31 23:59:59.5' link-file");
    return root;
  }

  /**
   * Makes the tree deletable again (the unreadable directory readable).
   *
   * @param root the tree's root, or a path where there is none
   */
  public static void open(Path root) throws IOException, InterruptedException {
    if (Files.isDirectory(root.resolve(UNREADABLE), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      FsFixtures.shell(root, "chmod 755 " + UNREADABLE);
    }
  }

  /**
   * A scanner with the prune and skip rules a {@code gitignore=true} watch has (as FsProvider
   * builds them).
   *
   * @param root the tree's root
   * @param recursive as the scanner's
   * @param followLinks as the scanner's
   * @return the scanner
   */
  public static TreeScanner gitignoreScanner(Path root, boolean recursive, boolean followLinks) {
    GitIgnore ignore = GitIgnore.forRoot(root);
    Predicate<String> dirs =
        k -> {
          String name = k.substring(k.lastIndexOf('/') + 1);
          if (name.equals(".git") || k.equals(".git/info") || k.endsWith("/.git/info")) {
            return false;
          }
          return ignore.ignored(k, true);
        };
    return new TreeScanner(root, recursive, followLinks, dirs, ignore::ignored);
  }
}
