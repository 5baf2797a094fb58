package io.changeflux.internal;

import io.changeflux.ChangeSourceException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The one tokenizer of source URIs, used both to parse them and to redact them, so the two never
 * disagree about where a password ends.
 *
 * <p>{@code scheme:REST}. When {@code REST} starts with {@code //} it has an authority: {@code
 * //[user-info@]hosts}, where the user-info runs up to the <em>last</em> {@code @} that is followed
 * by a well-formed host list ({@code host[:port][,host[:port]...]} ended by {@code /}, {@code ?},
 * {@code #} or the end). A user-info holding a raw {@code /}, {@code ?} or {@code #} is rejected
 * (it must be percent-encoded), with an error that shows none of it. The query starts at the first
 * {@code ?} after the authority. Targets without {@code //} ({@code fs:/srv}) have no authority.
 */
public final class UriSyntax {

  private UriSyntax() {}

  /** A URI cut into scheme, target (before the query) and raw query (null when there is none). */
  public static final class Parts {
    private final String scheme;
    private final String target;
    private final @Nullable String query;

    Parts(String scheme, String target, @Nullable String query) {
      this.scheme = scheme;
      this.target = target;
      this.query = query;
    }

    /** The scheme, lower case. */
    public String scheme() {
      return scheme;
    }

    /** The raw target: everything between {@code scheme:} and the query. */
    public String target() {
      return target;
    }

    /** The raw query after {@code ?}, or null. */
    public @Nullable String query() {
      return query;
    }
  }

  /**
   * Where the user-info of a target ends: the index of its {@code @} (or -1 when there is none),
   * and where the authority ends.
   */
  public static final class Span {
    /** Index of the {@code @} that ends the user-info, or -1. */
    public final int at;

    /** Index just past the authority (of the first {@code /}, {@code ?} or {@code #} after it, or the length). */
    public final int end;

    /** Whether the user-info holds a raw {@code /}, {@code ?} or {@code #} (a parse error). */
    public final boolean rawDelimiter;

    Span(int at, int end, boolean rawDelimiter) {
      this.at = at;
      this.end = end;
      this.rawDelimiter = rawDelimiter;
    }
  }

  /**
   * Cuts a URI into its parts.
   *
   * @throws ChangeSourceException when there is no scheme or the user-info holds a raw {@code /},
   *     {@code ?} or {@code #}; the message never shows the URI's user-info
   */
  public static Parts split(String uri) {
    int colon = schemeEnd(uri);
    if (colon < 0) {
      throw new ChangeSourceException(
          "no scheme in source URI '"
              + Redaction.redact(uri)
              + "'; expected SCHEME:TARGET, e.g. fs:/srv/data or redis://host:6379?channels=a");
    }
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest = uri.substring(colon + 1);
    int from = 0;
    if (rest.startsWith("//")) {
      Span s = span(rest);
      if (s.rawDelimiter) {
        throw rawDelimiter(scheme);
      }
      from = s.end;
    }
    int q = rest.indexOf('?', from);
    return q < 0
        ? new Parts(scheme, rest, null)
        : new Parts(scheme, rest.substring(0, q), rest.substring(q + 1));
  }

  /** The error for a raw {@code /}, {@code ?} or {@code #} in a user-info: names the scheme only. */
  public static ChangeSourceException rawDelimiter(String scheme) {
    return new ChangeSourceException(
        scheme
            + ": the part before the last '@' (user name, password or token) holds a raw '/', '?' or '#';"
            + " percent-encode it (%2F, %3F, %23; '@' is %40, '%' is %25), or write an '@' in a path or"
            + " query as %40");
  }

  /** Index of the {@code :} after a well-formed scheme, or -1. */
  public static int schemeEnd(String s) {
    if (s.isEmpty() || !isAsciiLetter(s.charAt(0))) {
      return -1;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ':') {
        return i;
      }
      if (!(isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-')) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * The user-info and authority of {@code rest}, which starts with {@code //} (indices into {@code
   * rest}). Never throws: a raw delimiter is reported in {@link Span#rawDelimiter}.
   */
  public static Span span(String rest) {
    int start = 2;
    int firstDelim = delimiter(rest, start);
    int at = -1;
    for (int i = rest.lastIndexOf('@'); i >= start; i = i == 0 ? -1 : rest.lastIndexOf('@', i - 1)) {
      if (isHostList(rest, i + 1, delimiter(rest, i + 1))) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      // no well-formed host after any '@': the authority is up to the first delimiter
      int inAuthority = rest.lastIndexOf('@', firstDelim - 1);
      return new Span(inAuthority >= start ? inAuthority : -1, firstDelim, false);
    }
    if (at < firstDelim) {
      return new Span(at, delimiter(rest, at + 1), false);
    }
    if (firstDelim == start) {
      // scheme:///path — an empty authority and a path that happens to hold an '@'
      return new Span(-1, start, false);
    }
    return new Span(at, delimiter(rest, at + 1), true);
  }

  /**
   * {@code text} (a target, or a word of free text that starts with {@code //}) with the password
   * of its user-info shown as {@code ***}: {@code //user:***@host}, or {@code //***@host} for a
   * user-info without a colon (a token). When the user-info is malformed, all of it reads {@code
   * ***}.
   */
  public static String maskUserInfo(String text) {
    if (!text.startsWith("//")) {
      return text;
    }
    Span s = span(text);
    if (s.at < 0) {
      return text;
    }
    String info = text.substring(2, s.at);
    int colon = info.indexOf(':');
    String shown = s.rawDelimiter || colon < 0 ? "***" : info.substring(0, colon) + ":***";
    return "//" + shown + text.substring(s.at);
  }

  /** Whether {@code s[from, to)} is {@code host[:port][,host[:port]...]}. */
  static boolean isHostList(String s, int from, int to) {
    if (from >= to) {
      return false;
    }
    int i = from;
    while (true) {
      int comma = s.indexOf(',', i);
      int e = comma < 0 || comma > to ? to : comma;
      if (!isHostPort(s, i, e)) {
        return false;
      }
      if (e == to) {
        return true;
      }
      i = e + 1;
    }
  }

  private static boolean isHostPort(String s, int from, int to) {
    int i = from;
    if (i >= to) {
      return false;
    }
    if (s.charAt(i) == '[') {
      int close = s.indexOf(']', i);
      if (close < 0 || close >= to || close == i + 1) {
        return false;
      }
      for (int j = i + 1; j < close; j++) {
        char c = s.charAt(j);
        if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '%')) {
          return false;
        }
      }
      i = close + 1;
    } else {
      int start = i;
      while (i < to && isHostChar(s.charAt(i))) {
        i++;
      }
      if (i == start) {
        return false;
      }
    }
    if (i == to) {
      return true;
    }
    if (s.charAt(i) != ':' || i + 1 == to) {
      return false;
    }
    for (int j = i + 1; j < to; j++) {
      if (s.charAt(j) < '0' || s.charAt(j) > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean isHostChar(char c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == '~' || c == '%';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** Index of the first {@code /}, {@code ?} or {@code #} at or after {@code from}, or the length. */
  static int delimiter(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        return i;
      }
    }
    return s.length();
  }

  /** Decodes {@code %XX} escapes (UTF-8); a {@code +} stays a plus; a lone {@code %} stays. */
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

  /**
   * Percent-encodes what would end or split a query key or value ({@code % & = # ? @}, quotes,
   * {@code < > `}, space and controls, non-ASCII), so {@link #decode} gives {@code s} back and no
   * {@code @} in a query is taken for the end of a user-info.
   */
  public static String encodeQuery(String s) {
    return encode(s, "%&=#?@\"'<>`");
  }

  /**
   * Percent-encodes {@code s} for a user name, password or token: everything but unreserved ASCII
   * ({@code A-Z a-z 0-9 - . _ ~}).
   */
  public static String encodeUserInfo(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
        sb.append(c);
      } else {
        sb.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return sb.toString();
  }

  private static String encode(String s, String special) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (special.indexOf(c) >= 0 || c <= ' ' || c >= 0x7f) {
        sb.append('%').append(String.format("%02X", b & 0xff));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0 && c < 0x80;
  }
}
