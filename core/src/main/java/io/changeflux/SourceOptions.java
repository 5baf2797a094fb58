package io.changeflux;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A source's configuration: the scheme, the scheme-specific target (a path, or {@code
 * //[user:pass@]host:port/db}) and the options, from a URI ({@code fs:/srv?debounce=200ms}) or a
 * properties file ({@code source=fs:/srv} plus {@code debounce=200ms}). Immutable.
 *
 * <p>{@link #toString()} and {@link #redacted()} never show a password, token or other sensitive
 * value: user-info passwords and the values of sensitive options read {@code ***}.
 */
public final class SourceOptions {

  /** Option names treated as secret even before a provider's specs are known. */
  private static final Set<String> SECRET_NAMES =
      Set.of(
          "password", "pass", "passwd", "pwd", "token", "secret", "creds", "credentials", "nkey",
          "jwt", "apikey", "auth");

  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):(.*)", Pattern.DOTALL);
  private static final Pattern USERINFO = Pattern.compile("(//)([^/@?]*)@");

  private final String scheme;
  private final String target;
  private final Map<String, String> values;
  private final Set<String> repeated;
  private final Set<String> sensitive;

  private SourceOptions(
      String scheme,
      String target,
      Map<String, String> values,
      Set<String> repeated,
      Set<String> sensitive) {
    this.scheme = scheme;
    this.target = target;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.repeated = Set.copyOf(repeated);
    this.sensitive = Set.copyOf(sensitive);
  }

  /**
   * Parses {@code scheme:target?key=value&key=value}. Values are percent-decoded; a key given
   * twice adds to a list option (and is an error for any other option, reported by {@link
   * #validate}). Nothing is checked against a provider here.
   *
   * @throws ChangeSourceException when there is no scheme or a query part is malformed
   */
  public static SourceOptions parse(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new ChangeSourceException("empty source URI; expected SCHEME:TARGET, e.g. fs:/srv/data");
    }
    String u = uri.trim();
    Matcher m = SCHEME.matcher(u);
    if (!m.matches()) {
      throw new ChangeSourceException(
          "no scheme in source URI '" + redact(u) + "'; expected SCHEME:TARGET, e.g. fs:" + redact(u));
    }
    String scheme = m.group(1).toLowerCase(Locale.ROOT);
    String rest = m.group(2);
    int q = rest.indexOf('?');
    String target = q < 0 ? rest : rest.substring(0, q);
    Map<String, String> values = new LinkedHashMap<>();
    Set<String> repeated = new HashSet<>();
    if (q >= 0) {
      for (String part : rest.substring(q + 1).split("&")) {
        if (part.isEmpty()) {
          continue;
        }
        int eq = part.indexOf('=');
        String key = decode(eq < 0 ? part : part.substring(0, eq)).trim();
        String value = eq < 0 ? "true" : decode(part.substring(eq + 1));
        if (key.isEmpty()) {
          throw new ChangeSourceException(
              "empty option name in source URI '" + redact(u) + "' (a query part is '=value')");
        }
        put(values, repeated, key, value);
      }
    }
    return new SourceOptions(scheme, target, values, repeated, Set.of());
  }

  /**
   * Reads a source from properties: {@code PREFIX + "source"} holds the URI, and every other key
   * that starts with {@code prefix} is an option ({@code PREFIX + "debounce"=200ms}). Options in
   * the URI's query win over the same keys in the properties.
   *
   * @param prefix the key prefix, such as {@code "changeflux."}; empty for none
   * @throws ChangeSourceException when the source key is missing or the URI is malformed
   */
  public static SourceOptions fromProperties(Properties properties, String prefix) {
    String p = prefix == null ? "" : prefix;
    String uri = properties.getProperty(p + "source");
    if (uri == null || uri.isBlank()) {
      throw new ChangeSourceException(
          "missing property '" + p + "source' (the source URI, e.g. " + p + "source=fs:/srv/data)",
          p + "source",
          null);
    }
    SourceOptions fromUri = parse(uri);
    Map<String, String> values = new LinkedHashMap<>();
    for (String name : new TreeSet<>(properties.stringPropertyNames())) {
      if (!name.startsWith(p) || name.equals(p + "source")) {
        continue;
      }
      String key = name.substring(p.length()).trim();
      if (!key.isEmpty() && !fromUri.values.containsKey(key)) {
        values.put(key, properties.getProperty(name).trim());
      }
    }
    values.putAll(fromUri.values);
    return new SourceOptions(fromUri.scheme, fromUri.target, values, fromUri.repeated, Set.of());
  }

  /** Options made in code. */
  public static SourceOptions of(String scheme, String target, Map<String, String> options) {
    return new SourceOptions(
        scheme.toLowerCase(Locale.ROOT), Objects.requireNonNull(target), options, Set.of(), Set.of());
  }

  /** The scheme, in lower case ({@code fs}, {@code redis}, ...). */
  public String scheme() {
    return scheme;
  }

  /**
   * The part between the scheme and the query, as written (not decoded; may hold a password, so
   * never print it — see {@link #redacted()}). For {@code fs:/srv} it is {@code /srv}; for {@code
   * redis://u:p@h:6379/0} it is {@code //u:p@h:6379/0}.
   */
  public String target() {
    return target;
  }

  /** The target with percent-escapes decoded, for path-like targets ({@code fs:/my%20dir}). */
  public String targetDecoded() {
    return decode(target);
  }

  /** The user info, hosts and path of a {@code //user:pass@host:port,host:port/path} target. */
  public Authority authority() {
    return Authority.parse(target);
  }

  /** Every option as given (raw text; a repeated list key joined with commas). */
  public Map<String, String> values() {
    return values;
  }

  /** The raw value of one option, as given. */
  public Optional<String> value(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** Whether the option was given. */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  /**
   * The option's parsed value, or its default when not given (null when it has none).
   *
   * @throws ChangeSourceException when the value is bad or a required option is missing
   */
  public <T> T get(OptionSpec<T> spec) {
    String raw = values.get(spec.name());
    if (raw == null) {
      if (spec.isRequired()) {
        throw new ChangeSourceException(
            redacted() + ": missing required option '" + spec.name() + "' (" + spec.description() + ")",
            spec.name(),
            null);
      }
      return spec.defaultValue();
    }
    try {
      return spec.parse(raw);
    } catch (ChangeSourceException e) {
      throw new ChangeSourceException(redacted() + ": " + e.getMessage(), spec.name(), null);
    }
  }

  /** A copy with one option set (replacing any value it had). */
  public SourceOptions with(String key, String value) {
    Map<String, String> v = new LinkedHashMap<>(values);
    v.put(key, value);
    return new SourceOptions(scheme, target, v, repeated, sensitive);
  }

  /** A copy without the given options. */
  public SourceOptions without(Collection<String> keys) {
    Map<String, String> v = new LinkedHashMap<>(values);
    v.keySet().removeAll(keys);
    return new SourceOptions(scheme, target, v, repeated, sensitive);
  }

  /** A copy with another scheme and target and the same options (for fallbacks). */
  public SourceOptions withTarget(String newScheme, String newTarget) {
    return new SourceOptions(newScheme, newTarget, values, repeated, sensitive);
  }

  /**
   * Checks every option against {@code specs}: an unknown key names itself, the nearest known key
   * and every accepted key; a bad value names the key, the value and what is accepted; a missing
   * required option names itself. Returns a copy that knows which options are secret.
   *
   * @throws ChangeSourceException on the first problem
   */
  public SourceOptions validate(Collection<? extends OptionSpec<?>> specs) {
    Map<String, OptionSpec<?>> byName = new LinkedHashMap<>();
    Set<String> secret = new HashSet<>(sensitive);
    for (OptionSpec<?> s : specs) {
      byName.put(s.name(), s);
      if (s.isSensitive()) {
        secret.add(s.name());
      }
    }
    SourceOptions withSecrets = new SourceOptions(scheme, target, values, repeated, secret);
    for (String key : values.keySet()) {
      OptionSpec<?> spec = byName.get(key);
      if (spec == null) {
        String near = nearest(key, byName.keySet());
        throw new ChangeSourceException(
            withSecrets.redacted()
                + ": unknown option '"
                + key
                + "'"
                + (near == null ? "" : " (did you mean '" + near + "'?)")
                + "; "
                + scheme
                + ": accepts "
                + String.join(", ", byName.keySet()),
            key,
            null);
      }
      if (repeated.contains(key) && !spec.isList()) {
        throw new ChangeSourceException(
            withSecrets.redacted() + ": option '" + key + "' is given more than once", key, null);
      }
    }
    for (OptionSpec<?> s : specs) {
      withSecrets.get(s);
    }
    return withSecrets;
  }

  /** The URI with secrets shown as {@code ***}: safe for logs, errors and {@link ChangeEvent#source()}. */
  public String redacted() {
    StringBuilder sb = new StringBuilder(scheme).append(':').append(redactUserInfo(target));
    char sep = '?';
    for (Map.Entry<String, String> e : values.entrySet()) {
      sb.append(sep).append(e.getKey()).append('=');
      sb.append(isSecret(e.getKey()) ? "***" : e.getValue());
      sep = '&';
    }
    return sb.toString();
  }

  /**
   * The URI with every value, secrets included, to hand to another source (a fallback). Never
   * print it.
   */
  public String unredacted() {
    StringBuilder sb = new StringBuilder(scheme).append(':').append(target);
    char sep = '?';
    for (Map.Entry<String, String> e : values.entrySet()) {
      sb.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
      sep = '&';
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return redacted();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourceOptions
        && ((SourceOptions) o).scheme.equals(scheme)
        && ((SourceOptions) o).target.equals(target)
        && ((SourceOptions) o).values.equals(values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scheme, target, values);
  }

  /**
   * Best-effort redaction of any text that may hold a URI: user-info passwords and the values of
   * query keys named like secrets ({@code password}, {@code token}, {@code creds}, ...) become
   * {@code ***}. Use it on text from outside (a client library's exception message).
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String r = redactUserInfo(text);
    StringBuilder sb = new StringBuilder();
    Matcher m = Pattern.compile("([?&;\\s,]([A-Za-z]+)=)([^&\\s,]*)").matcher(r);
    int last = 0;
    while (m.find()) {
      if (SECRET_NAMES.contains(m.group(2).toLowerCase(Locale.ROOT))) {
        sb.append(r, last, m.start(3)).append("***");
        last = m.end(3);
      }
    }
    return sb.append(r.substring(last)).toString();
  }

  /** Decodes {@code %XX} escapes (UTF-8); a {@code +} stays a plus. */
  public static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String encode(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c == '%' || c == '&' || c == '=' || c == '#' || c == '?' || c <= ' ' || c >= 0x7f) {
        sb.append('%').append(String.format("%02X", b & 0xff));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }

  private boolean isSecret(String key) {
    return sensitive.contains(key) || SECRET_NAMES.contains(key.toLowerCase(Locale.ROOT));
  }

  private static String redactUserInfo(String s) {
    Matcher m = USERINFO.matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String info = m.group(2);
      int colon = info.indexOf(':');
      String shown = colon < 0 ? "***" : info.substring(0, colon) + ":***";
      m.appendReplacement(sb, Matcher.quoteReplacement("//" + shown + "@"));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private static void put(Map<String, String> values, Set<String> repeated, String key, String value) {
    String old = values.get(key);
    if (old == null) {
      values.put(key, value);
    } else {
      repeated.add(key);
      values.put(key, old + "," + value);
    }
  }

  static String nearest(String key, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String k = key.toLowerCase(Locale.ROOT);
    for (String candidate : known) {
      String c = candidate.toLowerCase(Locale.ROOT);
      int d = c.equals(k) ? 0 : (c.startsWith(k) || k.startsWith(c)) ? 1 : levenshtein(k, c);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
  }

  private static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /**
   * The parts of a {@code //[user[:password]@]host[:port][,host[:port]...][/path]} target. A
   * user-info without a colon is a single secret (a token, or a Redis password).
   */
  public static final class Authority {
    private final String user;
    private final String password;
    private final List<String> hosts;
    private final String path;

    private Authority(String user, String password, List<String> hosts, String path) {
      this.user = user;
      this.password = password;
      this.hosts = hosts;
      this.path = path;
    }

    static Authority parse(String target) {
      String t = target.startsWith("//") ? target.substring(2) : target;
      int slash = t.indexOf('/');
      String auth = slash < 0 ? t : t.substring(0, slash);
      String path = slash < 0 ? "" : t.substring(slash);
      String user = null;
      String password = null;
      int at = auth.lastIndexOf('@');
      if (at >= 0) {
        String info = auth.substring(0, at);
        auth = auth.substring(at + 1);
        int colon = info.indexOf(':');
        if (colon < 0) {
          password = decode(info);
        } else {
          user = decode(info.substring(0, colon));
          password = decode(info.substring(colon + 1));
        }
      }
      List<String> hosts =
          auth.isEmpty()
              ? List.of()
              : List.copyOf(
                  new ArrayList<>(
                      java.util.Arrays.stream(auth.split(","))
                          .map(String::trim)
                          .filter(h -> !h.isEmpty())
                          .collect(Collectors.toList())));
      return new Authority(user, password, hosts, path);
    }

    /** The user name, where the user-info has a colon ({@code user:password@}). */
    public Optional<String> user() {
      return Optional.ofNullable(user);
    }

    /** The password, or the whole user-info when it has no colon (a token). Never print it. */
    public Optional<String> password() {
      return Optional.ofNullable(password);
    }

    /** Each {@code host[:port]}, as written. */
    public List<String> hosts() {
      return hosts;
    }

    /** What follows the hosts, from the first {@code /} (such as a Redis db {@code /2}); may be empty. */
    public String path() {
      return path;
    }

    @Override
    public String toString() {
      return (user != null ? user + ":***@" : password != null ? "***@" : "") + String.join(",", hosts) + path;
    }
  }
}
