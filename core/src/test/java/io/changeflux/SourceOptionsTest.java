package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SourceOptionsTest {

  static final OptionSpec<Boolean> RECURSIVE = OptionSpec.bool("recursive", true, "watch sub-directories");
  static final OptionSpec<Duration> INTERVAL = OptionSpec.duration("interval", "1s", "poll interval");
  static final OptionSpec<String> COMPARE = OptionSpec.choice("compare", "mtime", "how to compare", "mtime", "content");
  static final OptionSpec<String> PASSWORD = OptionSpec.string("password", null, "the password").sensitive();
  static final OptionSpec<String> STREAM = OptionSpec.string("stream", null, "stream name").required();
  static final List<OptionSpec<?>> SPECS = List.of(RECURSIVE, INTERVAL, COMPARE, PASSWORD, ChangePipeline.INCLUDE);

  @Test
  void parsesSchemeTargetAndQuery() {
    SourceOptions o = SourceOptions.parse("FS:/srv/data?recursive=false&interval=250ms");
    assertThat(o.scheme()).isEqualTo("fs");
    assertThat(o.target()).isEqualTo("/srv/data");
    assertThat(o.values()).containsEntry("recursive", "false").containsEntry("interval", "250ms");
    SourceOptions v = o.validate(SPECS);
    assertThat(v.get(RECURSIVE)).isFalse();
    assertThat(v.get(INTERVAL)).isEqualTo(Duration.ofMillis(250));
    assertThat(v.get(COMPARE)).isEqualTo("mtime");
  }

  @Test
  void decodesPercentEscapesInValuesAndTarget() {
    SourceOptions o = SourceOptions.parse("fs:/my%20dir?include=src/**/*.java,a%26b");
    assertThat(o.targetDecoded()).isEqualTo("/my dir");
    assertThat(o.validate(SPECS).get(ChangePipeline.INCLUDE)).containsExactly("src/**/*.java", "a&b");
  }

  @Test
  void aRepeatedListKeyAddsToTheList() {
    SourceOptions o = SourceOptions.parse("fs:.?include=*.java&include=*.kt").validate(SPECS);
    assertThat(o.get(ChangePipeline.INCLUDE)).containsExactly("*.java", "*.kt");
  }

  @Test
  void aRepeatedScalarKeyIsAnError() {
    assertThatThrownBy(() -> SourceOptions.parse("fs:.?interval=1s&interval=2s").validate(SPECS))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("'interval' is given more than once");
  }

  @Test
  void aKeyWithoutValueMeansTrue() {
    assertThat(SourceOptions.parse("fs:.?recursive").validate(SPECS).get(RECURSIVE)).isTrue();
  }

  @Test
  void unknownKeyNamesItselfTheNearestKeyAndTheAcceptedKeys() {
    assertThatThrownBy(() -> SourceOptions.parse("fs:.?intervall=1s").validate(SPECS))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("unknown option 'intervall'")
        .hasMessageContaining("did you mean 'interval'?")
        .hasMessageContaining("recursive, interval, compare")
        .satisfies(e -> assertThat(((ChangeSourceException) e).option()).contains("intervall"));
  }

  @Test
  void unknownKeyFarFromEveryKnownKeySuggestsNothing() {
    assertThatThrownBy(() -> SourceOptions.parse("fs:.?zzzzzzzz=1").validate(SPECS))
        .hasMessageContaining("unknown option 'zzzzzzzz'")
        .hasMessageNotContaining("did you mean");
  }

  @Test
  void badValuesNameKeyValueAndWhatIsAccepted() {
    assertThatThrownBy(() -> SourceOptions.parse("fs:.?interval=soon").validate(SPECS))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("bad value 'soon' for option 'interval'")
        .hasMessageContaining("250ms");
    assertThatThrownBy(() -> SourceOptions.parse("fs:.?recursive=maybe").validate(SPECS))
        .hasMessageContaining("bad value 'maybe' for option 'recursive'")
        .hasMessageContaining("true or false");
    assertThatThrownBy(() -> SourceOptions.parse("fs:.?compare=size").validate(SPECS))
        .hasMessageContaining("bad value 'size' for option 'compare'")
        .hasMessageContaining("mtime, content");
    assertThatThrownBy(() -> SourceOptions.parse("fs:.?coalesce=0").validate(ChangePipeline.OPTIONS))
        .hasMessageContaining("bad value '0' for option 'coalesce'")
        .hasMessageContaining("from 1");
  }

  @Test
  void choicesAreCaseInsensitive() {
    assertThat(SourceOptions.parse("fs:.?compare=CONTENT").validate(SPECS).get(COMPARE)).isEqualTo("content");
  }

  @Test
  void missingRequiredOptionNamesIt() {
    assertThatThrownBy(() -> SourceOptions.parse("redis://h:1").validate(List.of(STREAM)))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("missing required option 'stream'");
  }

  @Test
  void noSchemeOrEmptyUriIsAnError() {
    assertThatThrownBy(() -> SourceOptions.parse("/srv/data"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("no scheme");
    assertThatThrownBy(() -> SourceOptions.parse("  "))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("empty source URI");
    assertThatThrownBy(() -> SourceOptions.parse("fs:.?=x"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("empty option name");
  }

  @Test
  void errorMessagesStayOneLineWhateverTheInput() {
    assertThatThrownBy(() -> SourceOptions.parse("no scheme\nsecond line"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("no scheme\\nsecond line")
        .hasMessageNotContaining("\n");
    assertThat(new ChangeSourceException("x".repeat(5000)).getMessage()).hasSizeLessThan(1100);
  }

  @Test
  void passwordsInUserInfoAndSensitiveOptionsAreRedacted() {
    SourceOptions o = SourceOptions.parse("redis://alice:s3cr%40t@host:16379/2?password=hunter2&interval=1s");
    assertThat(o.toString()).isEqualTo("redis://alice:***@host:16379/2?password=***&interval=1s");
    assertThat(o.authority().user()).contains("alice");
    assertThat(o.authority().password()).contains("s3cr@t");
    assertThat(o.authority().hosts()).containsExactly("host:16379");
    assertThat(o.authority().path()).isEqualTo("/2");
    assertThat(o.authority().toString()).doesNotContain("s3cr");
  }

  @Test
  void aUserInfoWithoutColonIsATokenAndHiddenWhole() {
    SourceOptions o = SourceOptions.parse("nats://t0ken@a:14222,b:4223?subjects=x");
    assertThat(o.redacted()).isEqualTo("nats://***@a:14222,b:4223?subjects=x");
    assertThat(o.authority().password()).contains("t0ken");
    assertThat(o.authority().user()).isEmpty();
    assertThat(o.authority().hosts()).containsExactly("a:14222", "b:4223");
  }

  @Test
  void optionsMarkedSensitiveAreRedactedWhateverTheirName() {
    OptionSpec<String> key = OptionSpec.string("signingKey", null, "a key").sensitive();
    SourceOptions o = SourceOptions.parse("x:y?signingKey=abc123").validate(List.of(key));
    assertThat(o.redacted()).doesNotContain("abc123").contains("signingKey=***");
    assertThatThrownBy(() -> SourceOptions.parse("x:y?signingKy=abc123").validate(List.of(key)))
        .hasMessageContaining("signingKy=***"); // a mistyped sensitive key is hidden too
    assertThatThrownBy(() -> SourceOptions.parse("x:y?colour=abc123").validate(List.of(key)))
        .hasMessageContaining("colour=abc123"); // an unknown key far from every secret one is shown
  }

  @Test
  void badValueOfASecretDoesNotShowIt() {
    OptionSpec<Integer> pin = OptionSpec.integer("pin", null, 0, 9999, "a pin").sensitive();
    assertThatThrownBy(() -> SourceOptions.parse("x:y?pin=hunter2").validate(List.of(pin)))
        .hasMessageNotContaining("hunter2")
        .hasMessageContaining("pin=***");
  }

  @Test
  void redactWorksOnArbitraryText() {
    assertThat(SourceOptions.redact("connect to redis://:pw@h:1 failed; url nats://u:p@x?token=abc&subjects=a"))
        .isEqualTo("connect to redis://:***@h:1 failed; url nats://u:***@x?token=***&subjects=a");
  }

  @Test
  void propertiesCarryTheSameKeysAndTheUriWins() {
    Properties p = new Properties();
    p.setProperty("cf.source", "fs:/srv?interval=2s");
    p.setProperty("cf.interval", "5s");
    p.setProperty("cf.recursive", "false");
    p.setProperty("other.key", "ignored");
    SourceOptions o = SourceOptions.fromProperties(p, "cf.").validate(SPECS);
    assertThat(o.get(INTERVAL)).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.get(RECURSIVE)).isFalse();
    assertThat(o.target()).isEqualTo("/srv");
  }

  @Test
  void propertiesWithoutSourceNameTheMissingKey() {
    Properties p = new Properties();
    p.setProperty("interval", "5s");
    assertThatThrownBy(() -> SourceOptions.fromProperties(p, ""))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("missing property 'source'");
  }

  @Test
  void unknownKeyInPropertiesIsAnErrorToo() {
    Properties p = new Properties();
    p.setProperty("source", "fs:/srv");
    p.setProperty("debounse", "5s");
    assertThatThrownBy(() -> SourceOptions.fromProperties(p, "").validate(ChangePipeline.OPTIONS))
        .hasMessageContaining("unknown option 'debounse'")
        .hasMessageContaining("did you mean 'debounce'?");
  }

  @Test
  void unredactedRoundTripsThroughParse() {
    SourceOptions o = SourceOptions.parse("redis://u:p%40ss@h:1?channels=a,b&password=x%26y");
    SourceOptions again = SourceOptions.parse(o.unredacted());
    assertThat(again).isEqualTo(o);
    assertThat(again.value("password")).contains("x&y");
  }

  @Test
  void withAndWithoutMakeCopies() {
    SourceOptions o = SourceOptions.parse("fs:/a?interval=1s");
    assertThat(o.with("interval", "2s").value("interval")).contains("2s");
    assertThat(o.value("interval")).contains("1s");
    assertThat(o.without(List.of("interval")).has("interval")).isFalse();
    assertThat(o.withTarget("poll", "/b").redacted()).isEqualTo("poll:/b?interval=1s");
  }
}
