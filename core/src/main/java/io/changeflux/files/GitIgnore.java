package io.changeflux.files;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What git ignores below one directory: the {@code .gitignore} of every directory (and {@code
 * .ignore}, ripgrep's and watchexec's file of the same syntax, which wins over {@code .gitignore}
 * of the same directory), and the repository's {@code .git/info/exclude}; files above the watched
 * root up to the repository's top count too. Precedence is git's: within one file the last
 * matching line wins, a deeper directory's file wins over a higher one's, and a path below an
 * ignored directory is ignored whatever a negation says. {@code .git/} itself is always ignored.
 *
 * <p>Patterns (gitignore(5)): {@code #} comments, {@code !} negation, {@code \} escapes, trailing
 * spaces trimmed unless escaped, a trailing {@code /} matches directories only, a {@code /} at the
 * start or in the middle anchors the pattern to its file's directory (otherwise it matches a name
 * at any depth), {@code *}, {@code ?}, {@code [a-z]}/{@code [!a-z]} (with {@code [:alpha:]}-style
 * classes) never match {@code /}; {@code **}/, {@code /**}/ and {@code /**} match any number of
 * directories. Matching is case-sensitive (git's default on Linux; {@code core.ignoreCase} is not
 * read). In a repository, the user's global ignore file ({@code core.excludesFile}, by default
 * {@code ~/.config/git/ignore}) counts too, below every other file, read once.
 *
 * <p>Ignore files are read when first needed and cached per directory; {@link #changed(String)}
 * drops the cache entry of an ignore file that changed, so the next look-up reads it again.
 */
public final class GitIgnore {

  private static final Logger log = LoggerFactory.getLogger(GitIgnore.class);

  /** One line of an ignore file. */
  private record Rule(Glob pattern, boolean negate, boolean dirOnly, boolean basename) {}

  private static final List<Rule> NONE = List.of();

  private final Path root;
  /** The repository's top as a key prefix of the root ("" when the root is the top). */
  private final String prefix;
  private final Path top;
  private final @Nullable Path infoExclude;
  /** {@code core.excludesFile}: the user's global ignore file (lowest precedence); null: none. */
  private final @Nullable Path excludesFile;
  private volatile @Nullable List<Rule> global;

  /**
   * Test hook: the environment the global ignore file is found by ({@code HOME}, {@code
   * XDG_CONFIG_HOME}, and that of the {@code git config} process), so that a test points it at its
   * own directory.
   */
  static volatile java.util.function.Function<String, @Nullable String> env = System::getenv;
  private final Map<String, List<Rule>> cache = new ConcurrentHashMap<>();
  /** Directory → ignored (itself or above), cleared whenever an ignore file changes. */
  private final Map<String, Boolean> dirs = new ConcurrentHashMap<>();

  private static final int MAX_DIRS = 100_000;

  /**
   * An ignore file of this size or more is skipped whole, with one warning: git's own limit ({@code
   * PATTERN_MAX_FILE_SIZE} in its {@code dir.c}), so both agree.
   */
  static final long MAX_FILE_BYTES = 100L * 1024 * 1024;

  /**
   * At most this much of an ignore file is read (1 MiB); the lines past it are not applied, with one
   * warning naming the file. Git reads up to 100 MiB; no real ignore file comes near this.
   */
  static final int MAX_READ_BYTES = 1024 * 1024;

  /** At most this many patterns of one ignore file apply; the rest are dropped, with one warning. */
  static final int MAX_RULES = 10_000;

  /**
   * A line longer than this (more than a path can usefully be matched against) is not applied,
   * with one warning.
   */
  static final int MAX_LINE_CHARS = 4096;

  private static final int MAX_WARNINGS = 1000;
  private static final LinkOption[] FOLLOW = {};
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  private final java.util.Set<String> warned = ConcurrentHashMap.newKeySet();

  /**
   * The ignore rules for files below {@code root} (its repository found at or above it).
   *
   * @param root the watched root
   * @return its rules, read lazily
   */
  public static GitIgnore forRoot(Path root) {
    return new GitIgnore(root.toAbsolutePath().normalize());
  }

  private GitIgnore(Path root) {
    this.root = root;
    Path t = root;
    Path gitDir = null;
    for (Path p = root; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve(".git"))) {
        t = p;
        gitDir = p.resolve(".git");
        break;
      }
    }
    this.top = t;
    String rel = t.relativize(root).toString().replace('\\', '/');
    this.prefix = rel.isEmpty() ? "" : rel + "/";
    Path info = null;
    Path config = null;
    if (gitDir != null) {
      Path linked = GitDirs.gitDir(gitDir);
      // A linked worktree's exclude file and config are the main repository's ($GIT_COMMON_DIR).
      Path common = GitDirs.commonDir(linked != null ? linked : gitDir);
      info = common.resolve("info").resolve("exclude");
      config = common.resolve("config");
    }
    this.infoExclude = info;
    if (config != null && Files.exists(config) && !Files.isRegularFile(config)) {
      // git itself would block reading a FIFO there: do not ask it, use the default place.
      warn(config, "is not a regular file; core.excludesFile is not read from the repository's config");
      this.excludesFile = gitDir == null ? null : excludesFile(root, false);
    } else {
      this.excludesFile = gitDir == null ? null : excludesFile(root, true);
    }
  }

  /**
   * The repository's {@code info/exclude} file these rules read (for a linked worktree the main
   * repository's, {@code $GIT_COMMON_DIR/info/exclude}), whether or not it exists; null outside a
   * repository. A poller looks at it to know when to call {@link #changed(String)} with {@code
   * .git/info/exclude}.
   *
   * @return the exclude file's path, or null
   */
  public @Nullable Path excludeFile() {
    return infoExclude;
  }

  /**
   * Where git reads {@code core.excludesFile} for a repository at {@code dir}: the value of {@code
   * git config --path core.excludesFile} (any level: system, global, the repository's own), else
   * {@code $XDG_CONFIG_HOME/git/ignore}, else {@code $HOME/.config/git/ignore}.
   */
  static @Nullable Path excludesFile(Path dir) {
    return excludesFile(dir, true);
  }

  /** As above; {@code askGit}: false skips {@code git config} (the repository's config is not a file). */
  private static @Nullable Path excludesFile(Path dir, boolean askGit) {
    java.util.function.Function<String, @Nullable String> e = env;
    String home = e.apply("HOME");
    Path configured = askGit ? configuredExcludesFile(dir, e, home) : null;
    if (configured != null) {
      return configured;
    }
    String xdg = e.apply("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isEmpty()) {
      return Path.of(xdg, "git", "ignore");
    }
    return home == null || home.isEmpty() ? null : Path.of(home, ".config", "git", "ignore");
  }

  /** {@code git config --path --get core.excludesFile} run in {@code dir}, or null when unset. */
  private static @Nullable Path configuredExcludesFile(
      Path dir, java.util.function.Function<String, @Nullable String> e, @Nullable String home) {
    try {
      ProcessBuilder pb =
          new ProcessBuilder("git", "config", "--path", "--get", "core.excludesFile")
              .directory(dir.toFile())
              .redirectErrorStream(false)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectError(ProcessBuilder.Redirect.DISCARD);
      for (String name : new String[] {"HOME", "XDG_CONFIG_HOME"}) {
        String v = e.apply(name);
        if (v == null) {
          pb.environment().remove(name);
        } else {
          pb.environment().put(name, v);
        }
      }
      Process p = pb.start();
      // Wait first, then read (one short line, well within the pipe's buffer): a git that blocks
      // (a config file that is a FIFO, a hung file system) must not block the watch's start.
      if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        log.warn("git config --get core.excludesFile did not end within 10 s in {}; using the default global ignore file", dir);
        return null;
      }
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8).trim();
      }
      if (p.exitValue() != 0 || out.isEmpty()) {
        return null;
      }
      if (out.startsWith("~/") && home != null) {
        out = home + out.substring(1);
      }
      return dir.resolve(out);
    } catch (IOException ex) {
      log.debug("cannot run git config for core.excludesFile: {}", ex.toString());
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  /**
   * Whether {@code key} (relative to the root, {@code /}-separated) is ignored; keys are files.
   *
   * @param key a file's key
   * @return true when git ignores it
   */
  public boolean ignored(String key) {
    return ignored(key, false);
  }

  /**
   * Whether {@code key} is ignored, as a directory when {@code dir}.
   *
   * @param key an entry's key
   * @param dir whether the entry is a directory
   * @return true when git ignores it
   */
  public boolean ignored(String key, boolean dir) {
    String path = bytes(prefix + key);
    int slash = path.lastIndexOf('/');
    // A path below an ignored directory is ignored.
    if (slash >= 0 && dirIgnored(path.substring(0, slash))) {
      return true;
    }
    int from = slash + 1;
    return path.startsWith(".git", from) && path.length() == from + 4 || match(path, dir, from);
  }

  /** Whether the directory {@code d} (from the top) or one above it is ignored; cached. */
  private boolean dirIgnored(String d) {
    Boolean known = dirs.get(d);
    if (known != null) {
      return known;
    }
    int slash = d.lastIndexOf('/');
    int from = slash + 1;
    boolean ignored =
        (slash >= 0 && dirIgnored(d.substring(0, slash)))
            || (d.startsWith(".git", from) && d.length() == from + 4)
            || match(d, true, from);
    if (dirs.size() >= MAX_DIRS) {
      dirs.clear();
    }
    dirs.put(d, ignored);
    return ignored;
  }

  /**
   * Whether {@code path} (from the top) is ignored by the rules of the directories above it, the
   * last match across them all (higher files first, deeper later) deciding. {@code nameFrom}: where
   * its last component starts.
   */
  private boolean match(String path, boolean dir, int nameFrom) {
    Boolean result = null;
    String name = path.substring(nameFrom);
    // core.excludesFile first (lowest precedence), info/exclude, then each directory's file from
    // the top down.
    List<Rule> g = global;
    if (g == null) {
      g = read(excludesFile);
      global = g;
    }
    result = apply(g, path, name, dir, result);
    result = apply(rules(null), path, name, dir, result);
    int from = 0;
    while (true) {
      String d = from == 0 ? "" : path.substring(0, from - 1);
      String rel = path.substring(from);
      result = apply(rules(d), rel, name, dir, result);
      int slash = path.indexOf('/', from);
      if (slash < 0 || slash >= nameFrom) {
        break;
      }
      from = slash + 1;
    }
    return result != null && result;
  }

  private static @Nullable Boolean apply(
      List<Rule> rules, String rel, String name, boolean dir, @Nullable Boolean result) {
    for (int i = rules.size() - 1; i >= 0; i--) {
      Rule r = rules.get(i);
      if (r.dirOnly && !dir) {
        continue;
      }
      if (r.pattern.matches(r.basename ? name : rel)) {
        return !r.negate;
      }
    }
    return result;
  }

  /** The rules of the directory {@code dir} (a key from the top), or of info/exclude when null. */
  private List<Rule> rules(@Nullable String dir) {
    String k = dir == null ? "\0info" : dir;
    List<Rule> r = cache.get(k);
    if (r == null) {
      r = dir == null ? read(infoExclude) : load(dir);
      cache.put(k, r);
    }
    return r;
  }

  private List<Rule> load(String dir) {
    Path d = dir.isEmpty() ? top : top.resolve(new String(dir.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    // In the work tree: a link is not followed, as git does not (it warns and skips it).
    List<Rule> g = read(d.resolve(".gitignore"), false);
    List<Rule> i = read(d.resolve(".ignore"), false);
    if (i.isEmpty()) {
      return g;
    }
    if (g.isEmpty()) {
      return i;
    }
    List<Rule> both = new ArrayList<>(g);
    both.addAll(i);
    return both;
  }

  /**
   * An event for {@code key} passed by: when it names an ignore file, forget what was read from it.
   *
   * @param key the key of an event
   * @return true when it named an ignore file
   */
  public boolean changed(String key) {
    String path = bytes(prefix + key);
    if (path.endsWith("/info/exclude") && (path.equals(".git/info/exclude") || path.endsWith("/.git/info/exclude"))) {
      cache.remove("\0info");
      dirs.clear();
      return true;
    }
    int slash = path.lastIndexOf('/');
    if (path.startsWith(".gitignore", slash + 1) || path.startsWith(".ignore", slash + 1)) {
      String name = path.substring(slash + 1);
      if (name.equals(".gitignore") || name.equals(".ignore")) {
        cache.remove(slash < 0 ? "" : path.substring(0, slash));
        dirs.clear();
        return true;
      }
    }
    return false;
  }

  /** The UTF-8 bytes of {@code s}, one char each (the identity for ASCII), as git compares names. */
  private static String bytes(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      }
    }
    return s;
  }

  /** The root this matcher was made for. */
  Path root() {
    return root;
  }

  /** Reads the ignore file {@code file}, a link followed (info/exclude, core.excludesFile). */
  private List<Rule> read(@Nullable Path file) {
    return read(file, true);
  }

  /**
   * The rules of the ignore file {@code file} under the limits above; NONE when there is none or it
   * is skipped. {@code followLinks}: false for a {@code .gitignore} or {@code .ignore} in the work
   * tree, which git does not follow when it is a symbolic link.
   */
  private List<Rule> read(@Nullable Path file, boolean followLinks) {
    if (file == null) {
      return NONE;
    }
    LinkOption[] how = followLinks ? FOLLOW : NOFOLLOW;
    BasicFileAttributes seen;
    try {
      seen = Files.readAttributes(file, BasicFileAttributes.class, how);
    } catch (IOException e) {
      return NONE; // none there (or a parent that is a file): no rules, as before
    }
    if (!seen.isRegularFile()) {
      warn(
          file,
          seen.isSymbolicLink()
              ? "is a symbolic link, which git does not follow for an ignore file in the work tree"
              : seen.isDirectory()
                  ? "is a directory"
                  : "is not a regular file (a FIFO, socket or device: reading it could block)");
      return NONE;
    }
    if (seen.size() >= MAX_FILE_BYTES) {
      warn(file, "is " + seen.size() + " bytes, at least git's limit of 100 MiB; skipped whole, as git does");
      return NONE;
    }
    byte[] bytes;
    int n = 0;
    boolean truncated;
    try (InputStream in = Files.newInputStream(file, followLinks ? new OpenOption[0] : NOFOLLOW)) {
      // Swapped for a link, a FIFO or another file between the check and the open: not read.
      BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class, how);
      if (!now.isRegularFile() || !java.util.Objects.equals(now.fileKey(), seen.fileKey())) {
        warn(file, "was replaced while being opened; its patterns are not applied until it changes again");
        return NONE;
      }
      bytes = new byte[(int) Math.min(MAX_READ_BYTES, Math.max(now.size(), 0)) + 1];
      while (n < bytes.length) {
        int r = in.read(bytes, n, bytes.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      truncated = n > MAX_READ_BYTES || (n == bytes.length && in.read() >= 0);
    } catch (IOException e) {
      warn(file, "cannot be read (" + e.getClass().getSimpleName() + "); its patterns are not applied");
      return NONE;
    }
    if (truncated) {
      // Up to the last complete line of the first MAX_READ_BYTES.
      n = Math.min(n, MAX_READ_BYTES);
      while (n > 0 && bytes[n - 1] != '\n') {
        n--;
      }
      warn(file, "is larger than " + MAX_READ_BYTES + " bytes; only the lines in its first " + MAX_READ_BYTES + " bytes are applied");
    }
    // Git matches bytes: each byte is one char here ('?' is one byte of a UTF-8 name, as in git).
    // A UTF-8 byte order mark at the start of the file is dropped, as git does (only there).
    int from = n >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF ? 3 : 0;
    String text = new String(bytes, from, n - from, StandardCharsets.ISO_8859_1);
    List<Rule> rules = new ArrayList<>();
    int start = 0;
    boolean longLine = false;
    while (start <= text.length()) {
      int nl = text.indexOf('\n', start);
      int end = nl < 0 ? text.length() : nl;
      int cut = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
      if (cut - start > MAX_LINE_CHARS) {
        longLine = true;
      } else {
        Rule r = parse(text.substring(start, cut));
        if (r != null) {
          if (rules.size() == MAX_RULES) {
            warn(file, "has more than " + MAX_RULES + " patterns; only its first " + MAX_RULES + " are applied");
            break;
          }
          rules.add(r);
        }
      }
      if (nl < 0) {
        break;
      }
      start = nl + 1;
    }
    if (longLine) {
      warn(file, "has lines longer than " + MAX_LINE_CHARS + " characters; those lines are not applied");
    }
    return rules.isEmpty() ? NONE : List.copyOf(rules);
  }

  /** Logs {@code why} about {@code file} once per matcher (an ignore file is read again on each change). */
  private void warn(Path file, String why) {
    String w = file + " " + why;
    if (warned.size() < MAX_WARNINGS && warned.add(w)) {
      log.warn("gitignore=true: ignore file {} {}", file, why);
    }
  }

  /** The warnings logged so far (for tests). */
  java.util.Set<String> warnings() {
    return java.util.Collections.unmodifiableSet(warned);
  }

  /** One line as a rule, or null (blank, a comment, or a pattern that cannot match). */
  static @Nullable Rule parse(String line) {
    if (line.isEmpty() || line.startsWith("#")) {
      return null;
    }
    // Trailing spaces are dropped unless escaped with a backslash.
    int end = line.length();
    while (end > 0 && line.charAt(end - 1) == ' ') {
      if (end >= 2 && line.charAt(end - 2) == '\\') {
        break;
      }
      end--;
    }
    String p = line.substring(0, end);
    boolean negate = false;
    if (p.startsWith("!")) {
      negate = true;
      p = p.substring(1);
    }
    boolean dirOnly = false;
    if (p.endsWith("/") && !p.endsWith("\\/")) {
      dirOnly = true;
      p = p.substring(0, p.length() - 1);
    }
    if (p.isEmpty()) {
      return null;
    }
    boolean anchored = p.indexOf('/') >= 0;
    if (p.startsWith("/")) {
      p = p.substring(1);
    }
    if (p.isEmpty()) {
      return null;
    }
    Glob glob = glob(p, anchored);
    if (glob == null) {
      return null;
    }
    return new Rule(glob, negate, dirOnly, !anchored);
  }

  /** The glob compiled for a {@code /}-separated path ({@link Glob}); null if it cannot match. */
  private static @Nullable Glob glob(String g, boolean anchored) {
    Glob.Builder r = new Glob.Builder();
    int n = g.length();
    // Git compares the literal prefix (up to the first wildcard) of an anchored pattern apart and
    // matches the rest as a pattern of its own: a "**" right after it counts as at a segment's
    // start ("a**/b" matches "ab" and "ax/y/b").
    int firstWild = n;
    for (int i = 0; i < n; i++) {
      if ("*?[\\".indexOf(g.charAt(i)) >= 0) {
        firstWild = i;
        break;
      }
    }
    for (int i = 0; i < n; i++) {
      char c = g.charAt(i);
      if (c == '*') {
        int j = i;
        while (j < n && g.charAt(j) == '*') {
          j++;
        }
        boolean twoOrMore = j - i >= 2;
        boolean startsSegment = i == 0 || g.charAt(i - 1) == '/' || (anchored && i == firstWild);
        boolean endsSegment = j == n || g.charAt(j) == '/';
        if (twoOrMore && anchored && startsSegment && endsSegment) {
          if (j == n) {
            // "x/**": everything inside; "**" alone: anything.
            r.all();
          } else {
            // "**/" at the start or "/**/" in the middle: zero or more directories.
            r.dirs();
            j++; // the slash is part of it
          }
        } else {
          r.star();
        }
        i = j - 1;
      } else if (c == '?') {
        r.one();
      } else if (c == '[') {
        int close = bracket(g, i);
        if (close < 0) {
          return null; // git: an unclosed bracket matches nothing
        }
        r.charClass(charClass(g.substring(i + 1, close)));
        i = close;
      } else if (c == '\\') {
        if (i + 1 < n) {
          i++;
          r.literal(g.charAt(i));
        } else {
          return null; // a trailing backslash matches nothing
        }
      } else {
        r.literal(c);
      }
    }
    return r.build();
  }

  /** The index of the {@code ]} closing the bracket expression at {@code open}, or -1. */
  private static int bracket(String g, int open) {
    int i = open + 1;
    if (i < g.length() && (g.charAt(i) == '!' || g.charAt(i) == '^')) {
      i++;
    }
    if (i < g.length() && g.charAt(i) == ']') {
      i++; // a leading ] is a member
    }
    while (i < g.length()) {
      char c = g.charAt(i);
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '[' && i + 1 < g.length() && g.charAt(i + 1) == ':') {
        int endClass = g.indexOf(":]", i + 2);
        if (endClass >= 0) {
          i = endClass + 2;
          continue;
        }
      }
      if (c == ']') {
        return i;
      }
      i++;
    }
    return -1;
  }

  private static String charClass(String body) {
    StringBuilder r = new StringBuilder("[");
    int i = 0;
    boolean negated = false;
    if (!body.isEmpty() && (body.charAt(0) == '!' || body.charAt(0) == '^')) {
      negated = true;
      i = 1;
    }
    StringBuilder members = new StringBuilder();
    while (i < body.length()) {
      char c = body.charAt(i);
      if (c == '[' && body.startsWith("[:", i)) {
        int e = body.indexOf(":]", i + 2);
        if (e >= 0) {
          String name = body.substring(i + 2, e);
          members.append(posix(name));
          i = e + 2;
          continue;
        }
      }
      if (c == '\\' && i + 1 < body.length()) {
        i++;
        c = body.charAt(i);
      }
      if (i + 2 < body.length() && body.charAt(i + 1) == '-' && body.charAt(i + 2) != ']') {
        char hi = body.charAt(i + 2);
        int skip = 3;
        if (hi == '\\' && i + 3 < body.length()) {
          hi = body.charAt(i + 3);
          skip = 4;
        }
        // As git's wildmatch: the low end is a member itself, so a reversed range is just it.
        members.append(esc(c));
        if (hi > c) {
          members.append('-').append(esc(hi));
        }
        i += skip;
        continue;
      }
      members.append(esc(c));
      i++;
    }
    if (negated) {
      // Never '/': a bracket expression matches one character of a name.
      return "[^/" + members + "]";
    }
    if (members.length() == 0) {
      return "(?!)";
    }
    r.append(members).append(']');
    return "(?:(?!/)" + r + ")";
  }

  private static String posix(String name) {
    switch (name) {
      case "alpha":
        return "a-zA-Z";
      case "digit":
        return "0-9";
      case "alnum":
        return "a-zA-Z0-9";
      case "upper":
        return "A-Z";
      case "lower":
        return "a-z";
      case "space":
        return " \\t\\n\\x0B\\f\\r";
      case "xdigit":
        return "0-9A-Fa-f";
      case "punct":
        return "\\p{Punct}";
      case "blank":
        return " \\t";
      case "cntrl":
        return "\\x00-\\x1F\\x7F";
      case "print":
        return "\\x20-\\x7E";
      case "graph":
        return "\\x21-\\x7E";
      default:
        return "";
    }
  }

  private static String esc(char c) {
    if (Character.isLetterOrDigit(c)) {
      return String.valueOf(c);
    }
    return String.format("\\x{%x}", (int) c);
  }
}
