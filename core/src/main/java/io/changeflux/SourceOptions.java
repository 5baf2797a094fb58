package io.changeflux;

import io.changeflux.internal.OptionValidation;
import io.changeflux.internal.Redaction;
import io.changeflux.internal.Secrets;
import io.changeflux.internal.UriSyntax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A source's configuration: the scheme, the scheme-specific target (a path, or {@code
 * //[user:pass@]host:port/db}) and the options, from a URI ({@code fs:/srv?debounce=200ms}) or a
 * properties file ({@code source=fs:/srv} plus {@code debounce=200ms}). Immutable.
 *
 * <p>{@link #toString()} and {@link #redacted()} never show a password, token or other secret:
 * user-info passwords and the values of secret keys read {@code ***}. Which keys are secret is
 * known before validation: every installed provider's {@link OptionSpec#sensitive() sensitive}
 * keys, and any undeclared key whose name contains {@code pass}, {@code token}, {@code secret},
 * {@code key} or {@code cred}. The user-info runs up to the last {@code @} before the host; a raw
 * {@code /}, {@code ?} or {@code #} in it is an error (percent-encode it: {@code %2F}, {@code
 * %3F}, {@code %23}).
 */
public final class SourceOptions {

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
   * @param uri the source URI, such as {@code fs:/srv?debounce=200ms}; surrounding blanks are
   *     ignored
   * @return the parsed, unvalidated options
   */
  public static SourceOptions parse(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new ChangeSourceException("empty source URI; expected SCHEME:TARGET, e.g. fs:/srv/data");
    }
    String u = uri.trim();
    UriSyntax.Parts parts = UriSyntax.split(u);
    Map<String, String> values = new LinkedHashMap<>();
    Set<String> repeated = new HashSet<>();
    if (parts.query() != null) {
      for (String part : parts.query().split("&")) {
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
    return new SourceOptions(parts.scheme(), parts.target(), values, repeated, Set.of());
  }

  /**
   * Reads a source from properties: {@code PREFIX + "source"} holds the URI, and every other key
   * that starts with {@code prefix} is an option ({@code PREFIX + "debounce"=200ms}). Options in
   * the URI's query win over the same keys in the properties.
   *
   * @param prefix the key prefix, such as {@code "changeflux."}; empty for none
   * @throws ChangeSourceException when the source key is missing or the URI is malformed
   * @param properties the properties to read; not null
   * @return the parsed, unvalidated options, with property values trimmed
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

  /**
   * Options made in code.
   *
   * @param scheme the scheme; lower-cased here
   * @param target the scheme-specific part, as it would be written in a URI; not null
   * @param options the options as raw text, copied (their order is kept); nothing is validated here
   * @return the options
   */
  public static SourceOptions of(String scheme, String target, Map<String, String> options) {
    return new SourceOptions(
        scheme.toLowerCase(Locale.ROOT), Objects.requireNonNull(target), options, Set.of(), Set.of());
  }

  /**
   * The scheme, in lower case ({@code fs}, {@code redis}, ...).
   *
   * @return the lower-case scheme
   */
  public String scheme() {
    return scheme;
  }

  /**
   * The part between the scheme and the query, as written (not decoded; may hold a password, so
   * never print it — see {@link #redacted()}). For {@code fs:/srv} it is {@code /srv}; for {@code
   * redis://u:p@h:6379/0} it is {@code //u:p@h:6379/0}.
   *
   * @return the raw target; may be empty, never null
   */
  public String target() {
    return target;
  }

  /**
   * The target with percent-escapes decoded, for path-like targets ({@code fs:/my%20dir}).
   *
   * @return the target with {@code %XX} escapes decoded as UTF-8
   */
  public String targetDecoded() {
    return decode(target);
  }

  /**
   * The user info, hosts and path of a {@code //user:pass@host:port,host:port/path} target.
   *
   * @return the parsed authority; a target without {@code //} is read as {@code host/path}
   * @throws ChangeSourceException when the user-info holds a raw {@code /}, {@code ?} or {@code #}
   */
  public Authority authority() {
    return Authority.parse(target);
  }

  /**
   * Every option as given (raw text; a repeated list key joined with commas).
   *
   * @return the options in the order given, unmodifiable; values may hold secrets
   */
  public Map<String, String> values() {
    return values;
  }

  /**
   * The raw value of one option, as given.
   *
   * @param key the option name
   * @return the raw value, or empty when the option was not given
   */
  public Optional<String> value(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /**
   * Whether the option was given.
   *
   * @param key the option name
   * @return {@code true} when the option was given, even with an empty value
   */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  /**
   * The option's parsed value, or its default when not given (null when it has none).
   *
   * @throws ChangeSourceException when the value is bad or a required option is missing
   * @param <T> the option's value type
   * @param spec the option to read
   * @return the parsed value, the default when not given, or null when there is neither
   */
  public <T> @Nullable T get(OptionSpec<T> spec) {
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

  /**
   * The option's parsed value or its default, for an option that always has one (it has a default
   * or is required).
   *
   * @throws ChangeSourceException when the value is bad or a required option is missing
   * @throws IllegalStateException when the option has neither a value nor a default (a programming
   *     error: use {@link #get(OptionSpec)} for options that may be absent)
   * @param <T> the option's value type
   * @param spec the option to read, which has a default or is required
   * @return the parsed value or the default; never null
   */
  public <T> T require(OptionSpec<T> spec) {
    T v = get(spec);
    if (v == null) {
      throw new IllegalStateException("option '" + spec.name() + "' has no value and no default");
    }
    return v;
  }

  /**
   * A copy with one option set (replacing any value it had).
   *
   * @param key the option name
   * @param value the raw value, as it would be written after {@code =} (not percent-encoded)
   * @return a new instance; this one is unchanged
   */
  public SourceOptions with(String key, String value) {
    Map<String, String> v = new LinkedHashMap<>(values);
    v.put(key, value);
    return new SourceOptions(scheme, target, v, repeated, sensitive);
  }

  /**
   * A copy without the given options.
   *
   * @param keys the option names to drop; names not present are ignored
   * @return a new instance; this one is unchanged
   */
  public SourceOptions without(Collection<String> keys) {
    Map<String, String> v = new LinkedHashMap<>(values);
    v.keySet().removeAll(keys);
    return new SourceOptions(scheme, target, v, repeated, sensitive);
  }

  /**
   * A copy with another scheme and target and the same options (for fallbacks).
   *
   * @param newScheme the scheme of the copy, such as {@code poll} for an fs fallback
   * @param newTarget the target of the copy, as it would be written in a URI
   * @return a new instance; this one is unchanged
   */
  public SourceOptions withTarget(String newScheme, String newTarget) {
    return new SourceOptions(newScheme, newTarget, values, repeated, sensitive);
  }

  /**
   * Checks every option against {@code specs}: an unknown key names itself, the nearest known key
   * and every accepted key; a bad value names the key, the value and what is accepted; a missing
   * required option names itself. Returns a copy that knows which options are secret.
   *
   * @throws ChangeSourceException on the first problem
   * @param specs every option the provider accepts
   * @return a copy whose {@link #redacted()} and {@link #scrub} also hide the provider's sensitive
   *     keys
   */
  public SourceOptions validate(Collection<? extends OptionSpec<?>> specs) {
    Set<String> secret = new HashSet<>(sensitive);
    Map<String, OptionSpec<?>> byName = new LinkedHashMap<>();
    for (OptionSpec<?> s : specs) {
      byName.put(s.name(), s);
      if (s.isSensitive()) {
        secret.add(s.name());
      }
    }
    for (String key : values.keySet()) {
      String near = byName.containsKey(key) ? null : OptionValidation.nearest(key, byName.keySet());
      OptionSpec<?> nearSpec = near == null ? null : byName.get(near);
      if (nearSpec != null && nearSpec.isSensitive()) {
        secret.add(key); // a mistyped secret key: its value is a secret too
      }
    }
    SourceOptions withSecrets = new SourceOptions(scheme, target, values, repeated, secret);
    OptionValidation.check(withSecrets, repeated, specs);
    return withSecrets;
  }

  /**
   * The URI with secrets shown as {@code ***}: safe for logs, errors and {@link
   * ChangeEvent#source()}.
   *
   * @return the URI text with user-info passwords and secret values masked
   */
  public String redacted() {
    StringBuilder sb = new StringBuilder(scheme).append(':').append(UriSyntax.maskUserInfo(target));
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
   *
   * @return a URI that {@link #parse} reads back to equal options, query values percent-encoded
   */
  public String unredacted() {
    StringBuilder sb = new StringBuilder(scheme).append(':').append(target);
    char sep = '?';
    for (Map.Entry<String, String> e : values.entrySet()) {
      sb.append(sep).append(UriSyntax.encodeQuery(e.getKey())).append('=').append(UriSyntax.encodeQuery(e.getValue()));
      sep = '&';
    }
    return sb.toString();
  }

  /**
   * {@code text} (from a client library, which may quote a URI or a secret some other way) with
   * every secret of these options, user-infos and the values of secret keys replaced by {@code
   * ***}.
   *
   * @param text any text; not null
   * @return the text with every known secret replaced by {@code ***}
   */
  public String scrub(String text) {
    return Redaction.scrub(text, secretValues());
  }

  /**
   * One line naming a failure and its causes, without any secret of these options.
   *
   * @param failure the failure to describe; null gives {@code unknown cause}
   * @return one line of the scrubbed messages of the chain (its first causes)
   */
  public String describe(@Nullable Throwable failure) {
    return Redaction.describe(failure, secretValues());
  }

  /**
   * A copy of an exception chain with scrubbed messages (the original class names in them, stack
   * traces kept), safe to attach as a cause. Null stays null.
   *
   * @param failure the exception chain to copy; may be null
   * @return a scrubbed copy of the chain, or null when {@code failure} is null
   */
  public @Nullable Throwable sanitize(@Nullable Throwable failure) {
    return Redaction.sanitize(failure, secretValues());
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
   * secret keys (see the class comment) become {@code ***}. Use it on text from outside (a client
   * library's exception message). Null stays null.
   *
   * @param text any text; may be null
   * @return the text with user-info passwords and secret-looking values masked, or null for null
   */
  public static @Nullable String redact(@Nullable String text) {
    return Redaction.redact(text);
  }

  /**
   * Decodes {@code %XX} escapes (UTF-8); a {@code +} stays a plus.
   *
   * @param s the text to decode; not null
   * @return the decoded text; a {@code %} not followed by two hex digits is kept as it is
   */
  public static String decode(String s) {
    return UriSyntax.decode(s);
  }

  private boolean isSecret(String key) {
    return sensitive.contains(key) || Secrets.isSecret(key);
  }

  /** The literal secret values: the user-info password (as written and decoded) and secret keys' values. */
  private List<String> secretValues() {
    Set<String> out = new LinkedHashSet<>();
    if (target.startsWith("//")) {
      UriSyntax.Span s = UriSyntax.span(target);
      if (s.at >= 0) {
        String info = target.substring(2, s.at);
        int colon = info.indexOf(':');
        String pw = s.rawDelimiter || colon < 0 ? info : info.substring(colon + 1);
        out.add(pw);
        out.add(decode(pw));
      }
    }
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (isSecret(e.getKey())) {
        out.add(e.getValue());
        out.add(decode(e.getValue()));
      }
    }
    out.remove("");
    return new ArrayList<>(out);
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

  static @Nullable String nearest(String key, Collection<String> known) {
    return OptionValidation.nearest(key, known);
  }

  /**
   * The parts of a {@code //[user[:password]@]host[:port][,host[:port]...][/path]} target. A
   * user-info without a colon is a single secret (a token, or a Redis password).
   */
  public static final class Authority {
    private final @Nullable String user;
    private final @Nullable String password;
    private final List<String> hosts;
    private final String path;

    private Authority(@Nullable String user, @Nullable String password, List<String> hosts, String path) {
      this.user = user;
      this.password = password;
      this.hosts = hosts;
      this.path = path;
    }

    static Authority parse(String target) {
      String t = target;
      String info = null;
      int end;
      if (t.startsWith("//")) {
        UriSyntax.Span s = UriSyntax.span(t);
        if (s.rawDelimiter) {
          throw UriSyntax.rawDelimiter("URI");
        }
        if (s.at >= 0) {
          info = t.substring(2, s.at);
        }
        end = s.end;
        t = t.substring(s.at >= 0 ? s.at + 1 : 2);
        end -= target.length() - t.length();
      } else {
        end = t.indexOf('/');
        end = end < 0 ? t.length() : end;
      }
      String auth = t.substring(0, end);
      String path = t.substring(end);
      String user = null;
      String password = null;
      if (info != null) {
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
              : Arrays.stream(auth.split(","))
                  .map(String::trim)
                  .filter(h -> !h.isEmpty())
                  .collect(Collectors.toUnmodifiableList());
      return new Authority(user, password, hosts, path);
    }

    /**
     * The user name, where the user-info has a colon ({@code user:password@}).
     *
     * @return the user name, decoded; empty when the user-info has no colon or there is none
     */
    public Optional<String> user() {
      return Optional.ofNullable(user);
    }

    /**
     * The password, or the whole user-info when it has no colon (a token). Never print it.
     *
     * @return the decoded password or token; empty when the target has no user-info
     */
    public Optional<String> password() {
      return Optional.ofNullable(password);
    }

    /**
     * Each {@code host[:port]}, as written.
     *
     * @return the hosts in order, each trimmed; unmodifiable, empty when the target names none
     */
    public List<String> hosts() {
      return hosts;
    }

    /**
     * What follows the hosts, from the first {@code /} (such as a Redis db {@code /2}); may be
     * empty.
     *
     * @return the path, including its leading {@code /}; empty when there is none
     */
    public String path() {
      return path;
    }

    @Override
    public String toString() {
      return (user != null ? user + ":***@" : password != null ? "***@" : "") + String.join(",", hosts) + path;
    }
  }
}
