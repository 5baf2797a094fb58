package io.changeflux.files;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One gitignore pattern, compiled for matching in time linear in the pattern times the path (no
 * backtracking). A regular expression of the same pattern backtracks: {@code *a*a*a*a*b} against a
 * 200-byte name of {@code a}s takes minutes in {@code java.util.regex}, so one hostile line in a
 * {@code .gitignore} could stall a watch; here it is simulated as a small NFA, one set of states
 * per character. Plain names and {@code *.ext} patterns (most real ones) take a shortcut. Paths and
 * patterns are byte strings (ISO-8859-1, one char per byte), so a class is a set of 256.
 */
final class Glob {

  private static final byte LIT = 0; // the char
  private static final byte ONE = 1; // ? : any char but '/'
  private static final byte CLASS = 2; // [..] : a char of the set
  private static final byte STAR = 3; // * : any run of chars but '/'
  private static final byte ALL = 4; // trailing /** : any run of chars
  private static final byte DIRS = 5; // **/ : zero or more "name/" (two states: DIRS, then IN)
  private static final byte IN = 6; // within one name of DIRS

  private final byte[] kinds;
  private final char[] chars;
  private final BitSet[] sets;
  /** Only literals: the whole pattern; null otherwise. */
  private final @Nullable String literal;
  /** STAR then literals: the literal tail ({@code *.log} → {@code .log}); null otherwise. */
  private final @Nullable String suffix;

  private Glob(List<Byte> kinds, List<Character> chars, List<BitSet> sets) {
    int m = kinds.size();
    this.kinds = new byte[m];
    this.chars = new char[m];
    this.sets = new BitSet[m];
    boolean allLit = true;
    boolean starThenLit = m > 0 && kinds.get(0) == STAR;
    StringBuilder lit = new StringBuilder();
    for (int i = 0; i < m; i++) {
      this.kinds[i] = kinds.get(i);
      this.chars[i] = chars.get(i);
      this.sets[i] = sets.get(i);
      if (this.kinds[i] != LIT) {
        allLit = false;
        if (i > 0) {
          starThenLit = false;
        }
      } else {
        lit.append(this.chars[i]);
      }
    }
    this.literal = allLit ? lit.toString() : null;
    this.suffix = !allLit && starThenLit ? lit.toString() : null;
  }

  /** Builds a glob token by token. */
  static final class Builder {
    private final List<Byte> kinds = new ArrayList<>();
    private final List<Character> chars = new ArrayList<>();
    private final List<BitSet> sets = new ArrayList<>();

    private Builder add(byte kind, char c, BitSet set) {
      kinds.add(kind);
      chars.add(c);
      sets.add(set);
      return this;
    }

    private static final BitSet NO_SET = new BitSet(0);

    /** A literal char. */
    Builder literal(char c) {
      return add(LIT, c, NO_SET);
    }

    /** {@code ?}: one char but {@code /}. */
    Builder one() {
      return add(ONE, '\0', NO_SET);
    }

    /** {@code *}: any run of chars but {@code /}. */
    Builder star() {
      return add(STAR, '\0', NO_SET);
    }

    /** A trailing {@code /**}'s {@code **} (or {@code **} alone): anything. */
    Builder all() {
      return add(ALL, '\0', NO_SET);
    }

    /** {@code **}{@code /}: zero or more directories. */
    Builder dirs() {
      add(DIRS, '\0', NO_SET);
      return add(IN, '\0', NO_SET);
    }

    /**
     * A bracket expression, given as the regular expression of one char it was translated to; its
     * members among the 256 byte values are worked out once here, never {@code /}.
     */
    Builder charClass(String regex) {
      Pattern p = Pattern.compile(regex, Pattern.DOTALL);
      BitSet set = new BitSet(256);
      for (char c = 0; c < 256; c++) {
        if (c != '/' && p.matcher(String.valueOf(c)).matches()) {
          set.set(c);
        }
      }
      return add(CLASS, '\0', set);
    }

    Glob build() {
      return new Glob(kinds, chars, sets);
    }
  }

  /** Whether the whole of {@code s} matches. */
  boolean matches(String s) {
    String lit = literal;
    if (lit != null) {
      return s.equals(lit);
    }
    String tail = suffix;
    if (tail != null) {
      int head = s.length() - tail.length();
      return head >= 0 && s.endsWith(tail) && s.lastIndexOf('/', head - 1) < 0;
    }
    int m = kinds.length;
    boolean[] cur = new boolean[m + 1];
    boolean[] next = new boolean[m + 1];
    cur[0] = true;
    close(cur);
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      boolean any = false;
      java.util.Arrays.fill(next, false);
      for (int i = 0; i < m; i++) {
        if (!cur[i]) {
          continue;
        }
        switch (kinds[i]) {
          case LIT:
            if (c == chars[i]) {
              next[i + 1] = any = true;
            }
            break;
          case ONE:
            if (c != '/') {
              next[i + 1] = any = true;
            }
            break;
          case CLASS:
            if (c < 256 && sets[i].get(c)) {
              next[i + 1] = any = true;
            }
            break;
          case STAR:
            if (c != '/') {
              next[i] = any = true;
            }
            break;
          case ALL:
            next[i] = any = true;
            break;
          case DIRS:
            if (c == '/') {
              next[i] = true;
            } else {
              next[i + 1] = true;
            }
            any = true;
            break;
          default: // IN
            if (c == '/') {
              next[i - 1] = true;
            } else {
              next[i] = true;
            }
            any = true;
            break;
        }
      }
      if (!any) {
        return false;
      }
      close(next);
      boolean[] t = cur;
      cur = next;
      next = t;
    }
    return cur[m];
  }

  /** Adds the states reached without a char: past a STAR, an ALL, or a whole DIRS. */
  private void close(boolean[] states) {
    for (int i = 0; i < kinds.length; i++) {
      if (!states[i]) {
        continue;
      }
      byte k = kinds[i];
      if (k == STAR || k == ALL) {
        states[i + 1] = true;
      } else if (k == DIRS) {
        states[i + 2] = true;
      }
    }
  }
}
