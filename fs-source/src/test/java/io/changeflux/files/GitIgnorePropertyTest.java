package io.changeflux.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.testkit.HostileStrings;
import io.changeflux.testkit.Shell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@link GitIgnore}'s verdict equals {@code git check-ignore --no-index} for hostile file names
 * (testkit's {@link HostileStrings}: {@code # ! \ * ? [ ]}, spaces, trailing spaces, control
 * characters, non-ASCII) matched against hostile patterns — among them the names themselves, so
 * that their glob characters act — in a root and a nested {@code .gitignore}. One {@code
 * check-ignore --stdin} per try.
 */
class GitIgnorePropertyTest {

  private static Path base;
  private static Map<String, String> env;

  @BeforeContainer
  static void repo() throws Exception {
    base = Files.createTempDirectory("gitignore-property");
    Path home = Files.createDirectories(base.resolve("home"));
    env = Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", home.resolve(".config").toString());
    Files.createDirectories(base.resolve("repo/d"));
    Shell.sh(base.resolve("repo"), "git init -q");
  }

  @AfterContainer
  static void clean() throws IOException {
    GitIgnore.env = System::getenv;
    try (Stream<Path> all = Files.walk(base)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** A valid file name: no {@code /} or NUL, not {@code .}, {@code ..} or {@code .git}, at most 255 bytes. */
  @Provide
  Arbitrary<List<String>> names() {
    return name().list().ofMinSize(1).ofMaxSize(12);
  }

  @Provide
  Arbitrary<List<String>> patterns() {
    return pattern().list().ofMinSize(0).ofMaxSize(6);
  }

  private static Arbitrary<String> name() {
    return HostileStrings.text()
        .map(s -> s.replace('/', '_').replace('\0', '_'))
        .filter(s -> !s.equals(".") && !s.equals("..") && !s.equals(".git"))
        .filter(s -> s.getBytes(StandardCharsets.UTF_8).length <= 255);
  }

  /** A pattern line: hostile text or glob syntax; no line break or NUL (a line cannot hold one). */
  private static Arbitrary<String> pattern() {
    return Arbitraries.oneOf(
            HostileStrings.text(),
            Arbitraries.strings().withChars("#!\\*?[]^-/ ab.é:").ofMinLength(1).ofMaxLength(10),
            Arbitraries.of("*", "**", "!*", "\\!*", "[!a]*", "*\\ ", "* ", "[[:space:]]*", "**/a*", "d/**"))
        .map(s -> s.replace('\n', ' ').replace('\r', ' ').replace('\0', ' '));
  }

  @Property(tries = 200)
  void verdictsAreGitsForHostileNamesAndPatterns(
      @ForAll("names") List<String> names,
      @ForAll("patterns") List<String> patterns,
      @ForAll("patterns") List<String> nested,
      @ForAll boolean namesArePatterns)
      throws Exception {
    Path repo = base.resolve("repo");
    List<String> lines = new ArrayList<>(patterns);
    if (namesArePatterns) {
      lines.addAll(names.subList(0, Math.min(3, names.size())));
    }
    write(repo.resolve(".gitignore"), lines);
    write(repo.resolve("d/.gitignore"), nested);
    Set<String> paths = new LinkedHashSet<>();
    Set<String> asked = new LinkedHashSet<>();
    for (String n : names) {
      paths.add(n);
      paths.add("d/" + n);
      // "./": a name starting with ':' is a name to git, not pathspec magic (which check-ignore
      // cannot switch off); git answers with the path as asked.
      asked.add("./" + n);
      asked.add("d/" + n);
    }
    Set<String> expected = new java.util.HashSet<>();
    for (String p : GitIgnoreTest.checkIgnore(repo, asked, env)) {
      expected.add(p.startsWith("./") ? p.substring(2) : p);
    }
    GitIgnore.env = env::get;
    GitIgnore ignore = GitIgnore.forRoot(repo);
    List<String> wrong = new ArrayList<>();
    for (String p : paths) {
      if (ignore.ignored(p) != expected.contains(p)) {
        wrong.add(escape(p) + (expected.contains(p) ? " (git: ignored)" : " (git: not ignored)"));
      }
    }
    assertThat(wrong).as("patterns %s, nested %s", escapeAll(lines), escapeAll(nested)).isEmpty();
  }

  private static void write(Path file, List<String> lines) throws IOException {
    Path tmp = file.resolveSibling(".tmp-ignore");
    Files.writeString(tmp, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static List<String> escapeAll(List<String> s) {
    return s.stream().map(GitIgnorePropertyTest::escape).toList();
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.append('"').toString();
  }
}
