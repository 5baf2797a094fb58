package io.changeflux.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Removes secrets from text and exceptions, by the one rule of {@link UriSyntax} (the user-info
 * of every {@code //authority}) and {@link Secrets} (the values of secret keys), plus, where a
 * source knows them, its literal secret values (a client library may quote them some other way).
 */
public final class Redaction {

  /** {@code key=value} in free text, after a start, a separator or an opening quote or bracket; the value runs to {@code &} or a space. */
  private static final Pattern KEY_VALUE =
      Pattern.compile("(?<=^|[?&;\\s,(\\[{\"'])([A-Za-z][A-Za-z0-9_.-]*)=([^&\\s]*)");

  /** A leading {@code some.pkg.SomeException: } that wrapping exceptions put before a message. */
  private static final Pattern CLASS_PREFIX =
      Pattern.compile("^([a-z_][\\w]*\\.)+[A-Z][\\w$]*(Exception|Error): ");

  private Redaction() {}

  /**
   * Any text that may quote a URI with user-info passwords and the values of secret keys shown as
   * {@code ***}. Null stays null.
   */
  public static @Nullable String redact(@Nullable String text) {
    return text == null ? null : redactText(text);
  }

  /** {@link #redact} of text that is not null. */
  public static String redactText(String text) {
    String r = maskUserInfos(text);
    Matcher m = KEY_VALUE.matcher(r);
    StringBuilder sb = null;
    int last = 0;
    while (m.find()) {
      if (Secrets.isSecret(m.group(1)) && !m.group(2).equals("***")) {
        if (sb == null) {
          sb = new StringBuilder(r.length());
        }
        sb.append(r, last, m.start(2)).append("***");
        last = m.end(2);
      }
    }
    return sb == null ? r : sb.append(r, last, r.length()).toString();
  }

  /** {@link #redact} after replacing each of {@code literals} (longest first) by {@code ***}. */
  public static String scrub(String text, Collection<String> literals) {
    String r = text;
    List<String> sorted = new ArrayList<>(literals);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    for (String s : sorted) {
      if (s != null && !s.isEmpty()) {
        r = r.replace(s, "***");
      }
    }
    return redactText(r);
  }

  /** One line naming a failure and its causes, deduplicated, without secrets. */
  public static String describe(@Nullable Throwable t, Collection<String> literals) {
    if (t == null) {
      return "unknown cause";
    }
    Set<String> parts = new LinkedHashSet<>();
    Throwable c = t;
    int depth = 0;
    while (c != null && depth++ < 8) {
      String m = c.getMessage();
      // Lettuce's "Unable to connect to host:port" only repeats what its cause says better
      if (m != null && !m.isBlank() && !m.startsWith("Unable to connect to")) {
        String line =
            scrub(CLASS_PREFIX.matcher(m.replace('\n', ' ').replace('\r', ' ').trim()).replaceFirst(""), literals);
        if (parts.stream().noneMatch(p -> p.contains(line))) {
          parts.add(line);
        }
      } else if (c.getCause() == null) {
        parts.add(c.getClass().getSimpleName());
      }
      c = c.getCause() == c ? null : c.getCause();
    }
    return parts.isEmpty() ? t.getClass().getSimpleName() : String.join(": ", parts);
  }

  /**
   * A stand-in for {@code t} and its causes whose messages are scrubbed and name the original
   * classes; the stack traces are kept. Safe to attach as a cause. Null stays null.
   */
  public static @Nullable Throwable sanitize(@Nullable Throwable t, Collection<String> literals) {
    if (t == null) {
      return null;
    }
    Redacted top = null;
    Redacted last = null;
    Throwable c = t;
    int depth = 0;
    while (c != null && depth++ < 8) {
      String m = c.getMessage();
      Redacted r = new Redacted(c.getClass().getName() + (m == null ? "" : ": " + scrub(m, literals)));
      r.setStackTrace(c.getStackTrace());
      if (last == null) {
        top = r;
      } else {
        last.initCause(r);
      }
      last = r;
      c = c.getCause() == c ? null : c.getCause();
    }
    return top;
  }

  /** Every {@code //user-info@} in free text with its password (or token) shown as {@code ***}. */
  static String maskUserInfos(String text) {
    int i = text.indexOf("//");
    if (i < 0 || text.indexOf('@', i) < 0) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.length());
    int last = 0;
    while (i >= 0) {
      int end = i;
      while (end < text.length() && !isWordEnd(text.charAt(end))) {
        end++;
      }
      int wordEnd = end;
      while (wordEnd > i + 2 && ").,;:]}".indexOf(text.charAt(wordEnd - 1)) >= 0) {
        wordEnd--; // trailing punctuation of the sentence, not of the URI
      }
      String word = text.substring(i, wordEnd);
      String masked = UriSyntax.maskUserInfo(word);
      int at = word.lastIndexOf('@');
      if (UriSyntax.span(word).at < 0 && at > 2 && word.charAt(2) != '/') {
        masked = "//***" + word.substring(at); // free text: an '@' anywhere may end a user-info
      }
      sb.append(text, last, i).append(masked);
      last = wordEnd;
      i = text.indexOf("//", Math.max(end, i + 2));
    }
    return sb.append(text, last, text.length()).toString();
  }

  private static boolean isWordEnd(char c) {
    return Character.isWhitespace(c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
  }

  /** A client-library failure, its message scrubbed. */
  static final class Redacted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Redacted(String message) {
      super(message);
    }

    @Override
    public String toString() {
      return String.valueOf(getMessage()); // never null: made with a message
    }
  }
}
