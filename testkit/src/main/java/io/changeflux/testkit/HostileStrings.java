package io.changeflux.testkit;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * jqwik generators of strings that break naive encodings: URI and header syntax ({@code / ? @ # %
 * : & = +}, {@code %2F}), non-ASCII (accents, CJK, an emoji outside the BMP), control characters
 * ({@code \r \n \t \u0000}) and any valid UTF-16. Shared by the codec and envelope property tests
 * of the backends.
 *
 * <p>jqwik is an optional dependency of the testkit: only a test that calls this class needs jqwik
 * on its class or module path (every such test already runs on jqwik).
 */
public final class HostileStrings {

  private HostileStrings() {}

  /**
   * Non-empty strings of one of three kinds: short runs of URI/header syntax characters; one to six
   * pieces of non-ASCII text, control characters and lone delimiters; or up to 24 characters of
   * any valid UTF-16 (no lone surrogates: no file name or message carries one).
   *
   * @return an arbitrary of hostile, non-empty strings
   */
  public static Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("/?@#%:&=+ ab.-_%2F").ofMinLength(1).ofMaxLength(16),
        Arbitraries.of("é", "ß", "日本語", "💥", "\r", "\n", "\t", "\u0000", "/", "?", "@", "#", "%", ":", "%2F", " ")
            .list()
            .ofMinSize(1)
            .ofMaxSize(6)
            .map(l -> String.join("", l)),
        Arbitraries.strings().withCharRange('\u0000', '\ud7ff').withCharRange('\ue000', '\ufffd').ofMinLength(1).ofMaxLength(24));
  }
}
