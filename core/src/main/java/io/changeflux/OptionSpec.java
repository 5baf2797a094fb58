package io.changeflux;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

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
  private final String defaultText;
  private final boolean required;
  private final boolean sensitive;
  private final String description;
  private final Function<String, T> parser;

  private OptionSpec(
      String name,
      String type,
      String defaultText,
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

  /** A duration option ({@code 250ms}, {@code 5s}, {@code PT5S}); {@code defaultText} may be null. */
  public static OptionSpec<Duration> duration(String name, String defaultText, String description) {
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

  /** A boolean option: {@code true} or {@code false}. */
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

  /** An integer option within {@code [min, max]}; {@code defaultValue} may be null. */
  public static OptionSpec<Integer> integer(
      String name, Integer defaultValue, int min, int max, String description) {
    return new OptionSpec<>(
        name,
        "integer",
        defaultValue == null ? null : defaultValue.toString(),
        false,
        false,
        description,
        s -> parseInt(s, min, max));
  }

  /** A free-text option; {@code defaultValue} may be null. */
  public static OptionSpec<String> string(String name, String defaultValue, String description) {
    return new OptionSpec<>(name, "string", defaultValue, false, false, description, s -> s);
  }

  /** One of a fixed set of words (case-insensitive; the value is returned in lower case). */
  public static OptionSpec<String> choice(
      String name, String defaultValue, String description, String... accepted) {
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

  /** A comma-separated list; repeating the key adds to the list. Default: empty. */
  public static OptionSpec<List<String>> list(String name, String description) {
    return new OptionSpec<>(
        name, "list", null, false, false, description, OptionSpec::parseList);
  }

  /** This option, marked required. */
  public OptionSpec<T> required() {
    return new OptionSpec<>(name, type, defaultText, true, sensitive, description, parser);
  }

  /** This option, marked secret: its value never appears in output, logs or errors. */
  public OptionSpec<T> sensitive() {
    return new OptionSpec<>(name, type, defaultText, required, true, description, parser);
  }

  /** The key, as written in URIs and properties files. */
  public String name() {
    return name;
  }

  /** The type as shown to users: {@code duration}, {@code boolean}, {@code a|b|c}, ... */
  public String type() {
    return type;
  }

  /** The default as text, or null when the option has none. */
  public String defaultText() {
    return defaultText;
  }

  /** The parsed default, or null when the option has none (an empty list for lists). */
  @SuppressWarnings("unchecked")
  public T defaultValue() {
    if (defaultText == null) {
      return "list".equals(type) ? (T) List.of() : null;
    }
    return parser.apply(defaultText);
  }

  /** Whether the option must be given. */
  public boolean isRequired() {
    return required;
  }

  /** Whether the value is a secret. */
  public boolean isSensitive() {
    return sensitive;
  }

  /** One line that says what the option does. */
  public String description() {
    return description;
  }

  /** Whether this option holds a list (its key may repeat). */
  public boolean isList() {
    return "list".equals(type);
  }

  /**
   * Parses a value.
   *
   * @throws ChangeSourceException naming the key, the value (unless secret) and what is accepted
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
