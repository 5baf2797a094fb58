package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.internal.Secrets;
import io.changeflux.spi.ChangeSourceProvider;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** One URI tokenizer for parsing and redaction, and one rule for which keys are secret (issue 12). */
class UriSecretsTest {

  @Test
  void aRawSlashInThePasswordIsRejectedWithoutEchoingAnyOfIt() {
    assertThatThrownBy(() -> SourceOptions.parse("redis://:Qz7kP/Wx9mT@host:1?channels=a"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("percent-encode")
        .hasMessageNotContaining("Qz7kP")
        .hasMessageNotContaining("Wx9mT")
        .hasMessageNotContaining("host:1");
  }

  @Test
  void aRawQuestionMarkOrHashInTheUserInfoIsRejectedToo() {
    for (String uri :
        List.of(
            "redis://alice:Qz7kP?Wx9mT@host:1?channels=a",
            "nats://Qz7kP#Wx9mT@host:14222?subjects=a",
            "redis://alice:p@Qz7kP/Wx9mT@host:1",
            "nats://alice:Qz7kP?x=Wx9mT@host:14222")) {
      assertThatThrownBy(() -> SourceOptions.parse(uri))
          .as(uri)
          .isInstanceOf(ChangeSourceException.class)
          .hasMessageNotContaining("Qz7kP")
          .hasMessageNotContaining("Wx9mT");
      assertThat(SourceOptions.redact("failed: " + uri)).doesNotContain("Qz7kP").doesNotContain("Wx9mT");
    }
  }

  @Test
  void theUserInfoRunsToTheLastAtBeforeTheHost() {
    SourceOptions o = SourceOptions.parse("redis://alice:p@ss@host");
    assertThat(o.redacted()).isEqualTo("redis://alice:***@host");
    assertThat(o.authority().user()).contains("alice");
    assertThat(o.authority().password()).contains("p@ss");
    assertThat(o.authority().hosts()).containsExactly("host");
  }

  @Test
  void percentEncodingWorksInTheUserInfo() {
    SourceOptions o = SourceOptions.parse("redis://al%3Aice:Qz7kP%2FWx%3F9%23m%40T%25@host:16379/2?channels=a");
    assertThat(o.authority().user()).contains("al:ice");
    assertThat(o.authority().password()).contains("Qz7kP/Wx?9#m@T%");
    assertThat(o.authority().hosts()).containsExactly("host:16379");
    assertThat(o.authority().path()).isEqualTo("/2");
    assertThat(o.value("channels")).contains("a");
    assertThat(o.redacted()).isEqualTo("redis://al%3Aice:***@host:16379/2?channels=a");
  }

  @Test
  void anAtInTheQueryIsNotAUserInfoWhenNoHostFollowsIt() {
    SourceOptions o = SourceOptions.parse("redis://host:16379?patterns=__keyspace@0__:*");
    assertThat(o.authority().hosts()).containsExactly("host:16379");
    assertThat(o.value("patterns")).contains("__keyspace@0__:*");
    assertThat(o.redacted()).isEqualTo("redis://host:16379?patterns=__keyspace@0__:*");
  }

  @Test
  void anAtInAPathAfterAnEmptyAuthorityIsPartOfThePath() {
    SourceOptions o = SourceOptions.parse("fs:///srv/node_modules/@types?recursive=true");
    assertThat(o.targetDecoded()).isEqualTo("///srv/node_modules/@types");
    assertThat(o.redacted()).isEqualTo("fs:///srv/node_modules/@types?recursive=true");
  }

  @Test
  void aMistypedSecretKeyNeverPrintsItsValue() {
    assertThatThrownBy(() -> SourceOptions.parse("x:y?passwrd=VALUE9081").validate(ChangePipeline.OPTIONS))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("unknown option 'passwrd'")
        .hasMessageContaining("passwrd=***")
        .hasMessageNotContaining("VALUE9081");
    for (String key : List.of("apiKey", "ACCESS_TOKEN", "clientSecret", "credsFile", "Passphrase")) {
      assertThatThrownBy(() -> SourceOptions.parse("x:y?" + key + "=VALUE9081").validate(ChangePipeline.OPTIONS))
          .as(key)
          .hasMessageNotContaining("VALUE9081");
    }
  }

  @Test
  void aSecretIsHiddenInBadValueAndUnknownSchemeErrors() {
    assertThatThrownBy(() -> ChangeSources.open("nosuch://u:Qz7kPWx9mT@h:1?token=VALUE9081&debounce=1s"))
        .hasMessageContaining("unknown scheme 'nosuch'")
        .hasMessageNotContaining("Qz7kPWx9mT")
        .hasMessageNotContaining("VALUE9081");
    assertThatThrownBy(() -> SourceOptions.parse("x://u:VALUE9081@h?debounce=soon").validate(ChangePipeline.OPTIONS))
        .hasMessageContaining("'soon'")
        .hasMessageNotContaining("VALUE9081");
    Properties p = new Properties();
    p.setProperty("source", "x:y");
    p.setProperty("passwrd", "VALUE9081");
    assertThatThrownBy(() -> SourceOptions.fromProperties(p, "").validate(ChangePipeline.OPTIONS))
        .hasMessageNotContaining("VALUE9081");
  }

  @Test
  void aKeyAProviderDeclaresSensitiveIsSecretWhateverItsNameAndAPlainOneIsNot() {
    ChangeSourceProvider vault =
        new ChangeSourceProvider() {
          @Override
          public String scheme() {
            return "vault";
          }

          @Override
          public String description() {
            return "test";
          }

          @Override
          public List<OptionSpec<?>> options() {
            return List.of(
                OptionSpec.string("sealWith", null, "a secret").sensitive(),
                OptionSpec.string("keyspace", null, "not a secret"));
          }

          @Override
          public ChangeSource create(SourceOptions options) {
            throw new UnsupportedOperationException();
          }
        };
    Secrets.Known known = new Secrets.Known(List.of(vault));
    assertThat(known.isSecret("sealWith")).isTrue();
    assertThat(known.isSecret("keyspace")).isFalse();
    assertThat(known.isSecret("passwrd")).isTrue();
    assertThat(known.isSecret("debounce")).isFalse();
  }

  @Test
  void redactMasksEveryUserInfoInFreeText() {
    assertThat(SourceOptions.redact("a redis://alice:p@ss@h:1/0 b (nats://T0k/en@x:1) c"))
        .isEqualTo("a redis://alice:***@h:1/0 b (nats://***@x:1) c");
    String once = SourceOptions.parse("bogus://alice:pw@host:1?token=t&x=1").redacted();
    assertThat(SourceOptions.redact("changeflux: " + once + ": unknown scheme")).isEqualTo("changeflux: " + once + ": unknown scheme");
  }

  @Test
  void scrubAlsoRemovesTheLiteralSecretsOfTheOptions() {
    SourceOptions o = SourceOptions.parse("redis://alice:Qz7k%2FP@h:1?channels=a&password=VALUE9081");
    assertThat(o.scrub("AUTH Qz7k/P failed, VALUE9081 too")).isEqualTo("AUTH *** failed, *** too");
    Throwable t = o.sanitize(new IllegalStateException("x", new RuntimeException("pw Qz7k/P")));
    assertThat(t.getMessage()).isEqualTo("java.lang.IllegalStateException: x");
    assertThat(t.getCause().getMessage()).isEqualTo("java.lang.RuntimeException: pw ***");
    assertThat(o.describe(new IllegalStateException("x", new RuntimeException("pw Qz7k/P")))).isEqualTo("x: pw ***");
  }
}
