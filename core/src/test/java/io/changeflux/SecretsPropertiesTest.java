package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.internal.UriSyntax;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Arbitrary secrets (printable ASCII, non-ASCII, {@code / ? @ # % :}) as passwords, tokens and
 * secret options: parsing gives them back exactly, and neither they nor any 5-character piece of
 * them appears in {@code redacted()}, {@code toString()}, {@code redact()} or an error message.
 */
class SecretsPropertiesTest {

  @Property(tries = 200)
  void anEncodedSecretParsesBackAndIsNeverShown(@ForAll("secrets") String secret) {
    String e = UriSyntax.encodeUserInfo(secret);
    String q = UriSyntax.encodeQuery(secret);
    SourceOptions user = SourceOptions.parse("redis://alice:" + e + "@h:16379/0?channels=a");
    assertThat(user.authority().password()).contains(secret);
    assertThat(user.authority().user()).contains("alice");
    assertThat(user.authority().hosts()).containsExactly("h:16379");
    SourceOptions token = SourceOptions.parse("nats://" + e + "@a:14222,b:14223?subjects=x");
    assertThat(token.authority().password()).contains(secret);
    assertThat(token.authority().hosts()).containsExactly("a:14222", "b:14223");
    SourceOptions keys =
        SourceOptions.parse(
            "x://h:1?password=" + q + "&token=" + q + "&clientSecret=" + q + "&apiKey=" + q + "&creds=" + q
                + "&passwrd=" + q);
    assertThat(keys.value("passwrd")).contains(secret);
    for (SourceOptions o : List.of(user, token, keys)) {
      clean(o.redacted(), secret);
      clean(o.toString(), secret);
      clean(SourceOptions.redact("failed: " + o.unredacted() + " (retrying)"), secret);
      assertThat(SourceOptions.parse(o.unredacted())).isEqualTo(o);
    }
    clean(user.authority().toString(), secret);
    for (String uri :
        List.of(
            "x://alice:" + e + "@h?debounce=soon",
            "x://" + e + "@h?bogus=1",
            "x:y?passwrd=" + q,
            "x:y?password=" + q + "&debounce=1s",
            "x:y?apiKey=" + q)) {
      try {
        SourceOptions.parse(uri).validate(ChangePipeline.OPTIONS);
      } catch (ChangeSourceException ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
          clean(String.valueOf(t.getMessage()), secret);
        }
      }
    }
    for (String uri : List.of("nosuch://alice:" + e + "@h:1?token=" + q, "nosuch:y?passwrd=" + q)) {
      try {
        ChangeSources.open(uri);
      } catch (ChangeSourceException ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
          clean(String.valueOf(t.getMessage()), secret);
        }
      }
    }
    Properties p = new Properties();
    p.setProperty("source", "x:props");
    p.setProperty("passwrd", secret);
    try {
      SourceOptions.fromProperties(p, "").validate(ChangePipeline.OPTIONS);
    } catch (ChangeSourceException ex) {
      clean(ex.getMessage(), secret);
    }
  }

  @Property(tries = 200)
  void aRawSecretInTheUserInfoParsesOrIsRejectedWithoutShowingIt(@ForAll("secrets") String secret) {
    String uri = "redis://alice:" + secret + "@h:16379/0?channels=a";
    SourceOptions o;
    try {
      o = SourceOptions.parse(uri);
    } catch (ChangeSourceException ex) {
      assertThat(secret).containsAnyOf("/", "?", "#");
      clean(ex.getMessage(), secret);
      return;
    }
    assertThat(secret).doesNotContain("/", "?", "#");
    assertThat(o.authority().password()).contains(SourceOptions.decode(secret));
    assertThat(o.authority().hosts()).containsExactly("h:16379");
    assertThat(o.value("channels")).contains("a");
    clean(o.redacted(), secret);
    if (secret.chars().noneMatch(c -> Character.isWhitespace(c) || "\"'<>`".indexOf(c) >= 0)) {
      // free text ends a URI at a space or quote; a raw one in a password cannot be found there
      clean(SourceOptions.redact("connect to " + uri + " failed"), secret);
    }
  }

  /** Printable ASCII and some non-ASCII, 8 to 24 characters, always with one of / ? @ # % :. */
  @Provide
  Arbitrary<String> secrets() {
    Arbitrary<String> base =
        Arbitraries.strings()
            .withCharRange(' ', '~')
            .withChars("éü中€ß/?@#%:")
            .ofMinLength(7)
            .ofMaxLength(23);
    return Combinators.combine(base, Arbitraries.of('/', '?', '@', '#', '%', ':'), Arbitraries.integers().between(0, 23))
        .as((s, c, i) -> s.substring(0, Math.min(i, s.length())) + c + s.substring(Math.min(i, s.length())))
        .filter(s -> s.chars().distinct().count() >= 6 && !s.contains("***") && !s.isBlank());
  }

  /** Neither the secret nor any 5-character piece of it is in {@code text}. */
  static void clean(String text, String secret) {
    assertThat(text).as("text").doesNotContain(secret);
    for (String piece : pieces(secret)) {
      assertThat(text).as("a 5-character piece of the secret").doesNotContain(piece);
    }
  }

  static List<String> pieces(String secret) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i + 5 <= secret.length(); i++) {
      out.add(secret.substring(i, i + 5));
    }
    return out;
  }
}
