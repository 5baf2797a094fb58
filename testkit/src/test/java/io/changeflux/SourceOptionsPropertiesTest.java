package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;

/** Bad input, generated: the parser either accepts it or says which key is wrong — never another exception. */
@Tag("reliability")
class SourceOptionsPropertiesTest {

  @Property(tries = 2000)
  void anyTextParsesOrFailsWithAChangeSourceException(@ForAll String text) {
    try {
      SourceOptions o = SourceOptions.parse(text);
      assertThat(o.scheme()).isNotEmpty();
      assertThat(o.redacted()).isNotNull();
    } catch (ChangeSourceException e) {
      assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
    }
  }

  @Property(tries = 500)
  void anyQueryOnARealSchemeOpensOrNamesTheKeyAtFault(@ForAll("queries") String query) {
    try {
      ChangeSources.open("mem:prop?" + query);
    } catch (ChangeSourceException e) {
      assertThat(e.getMessage()).doesNotContain("\n");
      assertThat(e.option()).as("the culprit key of: " + e.getMessage()).isPresent();
      assertThat(e.getMessage()).contains("'" + e.option().get() + "'");
    }
  }

  @Property(tries = 300)
  void anyPropertiesFileOpensOrNamesTheKeyAtFault(@ForAll("keys") String key, @ForAll("values") String value) {
    Properties p = new Properties();
    p.setProperty("source", "mem:props");
    p.setProperty(key, value);
    try {
      ChangeSources.open(p, "");
    } catch (ChangeSourceException e) {
      assertThat(e.option()).isPresent();
      assertThat(e.getMessage()).contains("'" + e.option().get() + "'");
    }
  }

  @Property(tries = 300)
  void passwordsNeverSurviveRedaction(
      @ForAll @AlphaChars @NumericChars @StringLength(min = 6, max = 30) String password,
      @ForAll("schemes") String scheme) {
    String uri = scheme + "://user:" + password + "@host:1/0?password=" + password + "&token=" + password;
    assertThat(SourceOptions.parse(uri).redacted()).doesNotContain(password);
    assertThat(SourceOptions.redact(uri)).doesNotContain(password);
    try {
      ChangeSources.open(uri);
    } catch (ChangeSourceException e) {
      assertThat(e.getMessage()).doesNotContain(password);
    }
  }

  @Property(tries = 2000)
  void durationsParseOrSayWhatIsAccepted(@ForAll String text) {
    try {
      assertThat(Durations.parse(text).isNegative()).isFalse();
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("250ms");
    }
  }

  @Provide
  Arbitrary<String> queries() {
    Arbitrary<String> keys = Arbitraries.oneOf(
        Arbitraries.of("debounce", "maxWait", "dedup", "confirm", "coalesce", "include", "exclude"),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10));
    Arbitrary<String> pair = Arbitraries.oneOf(
        keys.flatMap(k -> values().map(v -> k + "=" + v)),
        keys);
    return pair.list().ofMaxSize(4).map(l -> String.join("&", l));
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.oneOf(
        Arbitraries.of("debounce", "maxWait", "dedup", "confirm", "coalesce", "include"),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12));
  }

  @Provide
  Arbitrary<String> values() {
    return Arbitraries.oneOf(
        Arbitraries.of("1s", "250ms", "PT5S", "0", "-1", "sha256", "none", "10", "abc", "", "1e9", "99999999999"),
        Arbitraries.strings().ofMaxLength(12).map(s -> s.replace("&", "").replace("=", "")));
  }

  @Provide
  Arbitrary<String> schemes() {
    return Arbitraries.of("redis", "rediss", "nats", "tls", "mem", "bogus");
  }
}
