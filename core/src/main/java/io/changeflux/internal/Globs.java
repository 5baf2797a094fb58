package io.changeflux.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Glob patterns matched against event keys ({@code /}-separated): {@code *} matches within one
 * segment, {@code **} across segments ({@code **}{@code /} also matches no directory at all, so
 * {@code **}{@code /*.java} matches {@code A.java}), {@code ?} one character, {@code [abc]} and
 * {@code {a,b}} as usual, and {@code dir/**} matches {@code dir} itself and everything under it.
 * The common shapes ({@code **}{@code /*.ext}, {@code dir/**}, literals) are compiled to plain
 * string tests; the rest to a regular expression.
 */
public final class Globs {

  private Globs() {}

  /** A predicate true when a key matches any of the globs (false for none). */
  public static Predicate<String> anyOf(Collection<String> globs) {
    List<Predicate<String>> ps = new ArrayList<>();
    for (String g : globs) {
      ps.add(compile(g));
    }
    if (ps.isEmpty()) {
      return k -> false;
    }
    if (ps.size() == 1) {
      return ps.get(0);
    }
    List<Predicate<String>> all = List.copyOf(ps);
    return k -> {
      for (Predicate<String> p : all) {
        if (p.test(k)) {
          return true;
        }
      }
      return false;
    };
  }

  /**
   * Compiles one glob.
   *
   * @throws IllegalArgumentException naming the glob when it is malformed
   */
  public static Predicate<String> compile(String glob) {
    String g = glob.startsWith("/") ? glob.substring(1) : glob;
    if (g.isEmpty()) {
      throw new IllegalArgumentException("empty glob");
    }
    if (!hasMeta(g)) {
      return g::equals;
    }
    if (g.startsWith("**/*") && !hasMeta(g.substring(4))) {
      String suffix = g.substring(4);
      if (suffix.indexOf('/') < 0) {
        return k -> k.endsWith(suffix);
      }
    }
    if (g.endsWith("/**") && !hasMeta(g.substring(0, g.length() - 3))) {
      String dir = g.substring(0, g.length() - 3);
      String prefix = dir + "/";
      return k -> k.startsWith(prefix) || k.equals(dir);
    }
    Pattern p = Pattern.compile(toRegex(g));
    return k -> p.matcher(k).matches();
  }

  private static boolean hasMeta(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == '{' || c == '\\') {
        return true;
      }
    }
    return false;
  }

  static String toRegex(String g) {
    StringBuilder re = new StringBuilder();
    int braces = 0;
    for (int i = 0; i < g.length(); i++) {
      char c = g.charAt(i);
      switch (c) {
        case '*':
          if (i + 1 < g.length() && g.charAt(i + 1) == '*') {
            i++;
            if (i + 1 < g.length() && g.charAt(i + 1) == '/') {
              i++;
              re.append("(?:.*/)?"); // **/ : any directories, or none
            } else if (re.length() >= 1 && re.charAt(re.length() - 1) == '/') {
              re.setLength(re.length() - 1);
              re.append("(?:/.*)?"); // dir/** : the directory itself and all below
            } else {
              re.append(".*");
            }
          } else {
            re.append("[^/]*");
          }
          break;
        case '?':
          re.append("[^/]");
          break;
        case '[':
          int end = g.indexOf(']', i + 2);
          if (end < 0) {
            throw new IllegalArgumentException("unclosed '[' in glob '" + g + "'");
          }
          String cls = g.substring(i + 1, end);
          if (cls.startsWith("!")) {
            cls = "^" + cls.substring(1);
          }
          re.append('[').append(cls.replace("\\", "\\\\")).append(']');
          i = end;
          break;
        case '{':
          braces++;
          re.append("(?:");
          break;
        case '}':
          if (braces == 0) {
            throw new IllegalArgumentException("unmatched '}' in glob '" + g + "'");
          }
          braces--;
          re.append(')');
          break;
        case ',':
          re.append(braces > 0 ? "|" : ",");
          break;
        case '\\':
          if (i + 1 >= g.length()) {
            throw new IllegalArgumentException("glob '" + g + "' ends with '\\'");
          }
          re.append(Pattern.quote(String.valueOf(g.charAt(++i))));
          break;
        default:
          if ("().+^$|".indexOf(c) >= 0) {
            re.append('\\');
          }
          re.append(c);
      }
    }
    if (braces != 0) {
      throw new IllegalArgumentException("unclosed '{' in glob '" + g + "'");
    }
    return re.toString();
  }
}
