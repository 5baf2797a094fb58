package io.changeflux;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One option a scheme accepts, in a URI query or a properties file: its name, type, default,
 * whether it is required or secret, and a one-line description. Validation, the CLI's {@code
 * --help} and the README's option tables all come from these specs.
 *
 * @param <T> the parsed type
 */
public final class OptionSpec<T> {

  private final String name;
  private final String type;
  private final @Nullable String defaultText;
  private final boolean required;
  private final boolean sensitive;
  private final String description;
  private final Function<String, T> parser;

  private OptionSpec(
      String name,
      String type,
      @Nullable String defaultText,
      boolean required,
      boolean sensitive,
      String description,
      Function<String, T> parser) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = type;
    this.defaultText = defaultText;
    this.required = required;
    this.sensitive = sensitive;
    this.description = Objects.requireNonNull(description, "description");
    this.parser = parser;
    if (defaultText != null) {
      parse(defaultText); // a bad default is a programming error: fail at class initialisation
    }
  }

  /**
   * A duration option ({@code 250ms}, {@code 5s}, {@code PT5S}); {@code defaultText} may be null.
   *
   * @param name the key; not null
   * @param defaultText the default as users write it, such as {@code 200ms}; null for none
   * @param description one line saying what the option does; not null
   * @return the spec, optional and not secret
   * @throws ChangeSourceException if {@code defaultText} is not a duration (a programming error,
   *     raised when the spec is made)
   */
  public static OptionSpec<Duration> duration(String name, @Nullable String defaultText, String description) {
    return new OptionSpec<>(
        name,
        "duration",
        defaultText,
        false,
        false,
        description,
        s -> {
          try {
            return Durations.parse(s);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("accepted: " + Durations.ACCEPTED);
          }
        });
  }

  /**
   * A boolean option: {@code true} or {@code false}.
   *
   * @param name the key; not null
   * @param defaultValue the value when the option is not given
   * @param description one line saying what the option does; not null
   * @return the spec; it also accepts {@code yes/no}, {@code on/off} and {@code 1/0}
   */
  public static OptionSpec<Boolean> bool(String name, boolean defaultValue, String description) {
    return new OptionSpec<>(
        name,
        "boolean",
        Boolean.toString(defaultValue),
        false,
        false,
        description,
        OptionSpec::parseBoolean);
  }

  /**
   * An integer option within {@code [min, max]}; {@code defaultValue} may be null.
   *
   * @param name the key; not null
   * @param defaultValue the value when the option is not given; null for none
   * @param min the smallest accepted value, inclusive
   * @param max the largest accepted value, inclusive
   * @param description one line saying what the option does; not null
   * @return the spec; values may use {@code _} as a digit separator
   */
  public static OptionSpec<Integer> integer(
      String name, @Nullable Integer defaultValue, int min, int max, String description) {
    return new OptionSpec<>(
        name,
        "integer",
        defaultValue == null ? null : defaultValue.toString(),
        false,
        false,
        description,
        s -> parseInt(s, min, max));
  }

  /**
   * A free-text option; {@code defaultValue} may be null.
   *
   * @param name the key; not null
   * @param defaultValue the value when the option is not given; null for none
   * @param description one line saying what the option does; not null
   * @return the spec; values are kept as given
   */
  public static OptionSpec<String> string(String name, @Nullable String defaultValue, String description) {
    return new OptionSpec<>(name, "string", defaultValue, false, false, description, s -> s);
  }

  /**
   * One of a fixed set of words (case-insensitive; the value is returned in lower case).
   *
   * @param name the key; not null
   * @param defaultValue the value when the option is not given; null for none
   * @param description one line saying what the option does; not null
   * @param accepted the accepted words, in the order help shows them
   * @return the spec; a parsed value is the matching word of {@code accepted}
   * @throws ChangeSourceException if {@code defaultValue} is not one of {@code accepted} (a
   *     programming error, raised when the spec is made)
   */
  public static OptionSpec<String> choice(
      String name, @Nullable String defaultValue, String description, String... accepted) {
    List<String> words = List.copyOf(Arrays.asList(accepted));
    return new OptionSpec<>(
        name,
        String.join("|", words),
        defaultValue,
        false,
        false,
        description,
        s -> {
          String v = s.trim().toLowerCase(Locale.ROOT);
          for (String w : words) {
            if (w.toLowerCase(Locale.ROOT).equals(v)) {
              return w;
            }
          }
          throw new IllegalArgumentException("accepted: " + String.join(", ", words));
        });
  }

  /**
   * A comma-separated list; repeating the key adds to the list. Default: empty.
   *
   * @param name the key; not null
   * @param description one line saying what the option does; not null
   * @return the spec; parsed values are trimmed, unmodifiable, without empty items
   */
  public static OptionSpec<List<String>> list(String name, String description) {
    return new OptionSpec<>(
        name, "list", null, false, false, description, OptionSpec::parseList);
  }

  /**
   * This option, marked required.
   *
   * @return a new spec; this one is unchanged
   */
  public OptionSpec<T> required() {
    return new OptionSpec<>(name, type, defaultText, true, sensitive, description, parser);
  }

  /**
   * This option, marked secret: its value never appears in output, logs or errors.
   *
   * @return a new spec; this one is unchanged
   */
  public OptionSpec<T> sensitive() {
    return new OptionSpec<>(name, type, defaultText, required, true, description, parser);
  }

  /**
   * The key, as written in URIs and properties files.
   *
   * @return the option name
   */
  public String name() {
    return name;
  }

  /**
   * The type as shown to users: {@code duration}, {@code boolean}, {@code a|b|c}, ...
   *
   * @return the type name shown in help and error messages
   */
  public String type() {
    return type;
  }

  /**
   * The default as text, or null when the option has none.
   *
   * @return the default text, or null
   */
  public @Nullable String defaultText() {
    return defaultText;
  }

  /**
   * The parsed default, or null when the option has none (an empty list for lists).
   *
   * @return the default parsed, or null when there is none and the option is not a list
   */
  @SuppressWarnings("unchecked")
  public @Nullable T defaultValue() {
    if (defaultText == null) {
      return "list".equals(type) ? (T) List.of() : null;
    }
    return parser.apply(defaultText);
  }

  /**
   * Whether the option must be given.
   *
   * @return {@code true} when a missing value is an error
   */
  public boolean isRequired() {
    return required;
  }

  /**
   * Whether the value is a secret.
   *
   * @return {@code true} when the value is redacted wherever options are shown
   */
  public boolean isSensitive() {
    return sensitive;
  }

  /**
   * One line that says what the option does.
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  /**
   * Whether this option holds a list (its key may repeat).
   *
   * @return {@code true} for options made by {@link #list}
   */
  public boolean isList() {
    return "list".equals(type);
  }

  /**
   * Parses a value.
   *
   * @throws ChangeSourceException naming the key, the value (unless secret) and what is accepted
   * @param raw the value as given, after percent-decoding
   * @return the parsed value
   */
  public T parse(String raw) {
    try {
      return parser.apply(raw);
    } catch (RuntimeException e) {
      String shown = sensitive ? "***" : "'" + raw + "'";
      String accepted =
          e.getMessage() != null && e.getMessage().startsWith("accepted: ") && !sensitive
              ? e.getMessage().substring("accepted: ".length())
              : type;
      throw new ChangeSourceException(
          "bad value " + shown + " for option '" + name + "'; accepted: " + accepted, name, null);
    }
  }

  @Override
  public String toString() {
    return name + " (" + type + (defaultText == null ? "" : ", default " + defaultText) + ")";
  }

  private static Boolean parseBoolean(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("yes") || v.equals("on") || v.equals("1")) {
      return true;
    }
    if (v.equals("false") || v.equals("no") || v.equals("off") || v.equals("0")) {
      return false;
    }
    throw new IllegalArgumentException("accepted: true or false");
  }

  private static Integer parseInt(String s, int min, int max) {
    long v;
    try {
      v = Long.parseLong(s.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("accepted: a whole number from " + min + " to " + max);
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException("accepted: a whole number from " + min + " to " + max);
    }
    return (int) v;
  }

  private static List<String> parseList(String s) {
    return Arrays.stream(s.split(","))
        .map(String::trim)
        .filter(x -> !x.isEmpty())
        .collect(java.util.stream.Collectors.toUnmodifiableList());
  }
}
