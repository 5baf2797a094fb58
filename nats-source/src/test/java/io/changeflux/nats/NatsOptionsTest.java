package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** URI and option checks that need no server: bad input fails at open() with one clear line. */
class NatsOptionsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "nats:?subjects=a | missing server",
        "nats://127.0.0.1:99999?subjects=a | bad port",
        "nats://h:x?subjects=a | bad port",
        "nats://h:14222/db?subjects=a | unexpected path",
        "nats://h:14222 | missing option 'subjects'",
        "nats://h:14222?subjects=a..b | bad subject 'a..b'",
        "nats://h:14222?subjects=a.>.b | bad subject 'a.>.b'",
        "nats://h:14222?subjects=a&durable=d | needs 'stream'",
        "nats://h:14222?subjects=a&stream=S | needs 'durable'",
        "nats://h:14222?subjects=a&stream=S&durable=d&queue=q | option 'queue'",
        "nats://h:14222?subjects=a&stream=S.x&durable=d | bad stream name",
        "nats://h:14222?subjects=a&stream=S&durable=d&fetchWait=200ms | at least 1s",
        "nats://h:14222?subjects=a&deliver=last | 'deliver'",
        "nats://h:14222?subjects=a&ack=sometimes | 'ack'",
        "nats://h:14222?subjects=a&tlsCa=/no/such/ca.pem | cannot read '/no/such/ca.pem'",
        "nats://h:14222?subjects=a&tlsCert=/etc/hostname | tlsCert and tlsKey go together",
        "nats://tok@h:14222?subjects=a&token=other | token is given twice",
        "nats://h:14222?subjects=a&subject=b | did you mean 'subjects'",
      })
  void badUrisFailAtOpenNamingTheProblem(String uri, String expected) {
    assertThatThrownBy(() -> ChangeSources.open(uri))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining(expected)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void secretsInBadUrisAreNotShown() {
    assertThatThrownBy(() -> ChangeSources.open("nats://u:pw-9x@h:14222?subjects=a..b"))
        .hasMessageContaining("nats://u:***@h:14222")
        .hasMessageNotContaining("pw-9x");
    assertThatThrownBy(() -> ChangeSources.open("nats://h:14222?subjects=a..b&token=tk-9x"))
        .hasMessageNotContaining("tk-9x");
    assertThatThrownBy(() -> ChangeSources.open("nats://h:14222?subjects=a&tlsKey=/no/key-9x.pem&tlsCert=/etc/hostname"))
        .hasMessageNotContaining("key-9x");
  }

  @Test
  void bothSchemesAndASinkAreOffered() {
    assertThat(ChangeSources.provider("nats")).get().isInstanceOf(NatsProvider.class);
    assertThat(ChangeSources.provider("tls")).get().isInstanceOf(NatsProvider.class);
    assertThat(new NatsProvider().supportsSink()).isTrue();
    assertThat(ChangeSinks.open("nats://h:14222?subjects=out")).isInstanceOf(NatsSink.class);
    assertThat(new NatsProvider().options()).extracting(OptionSpec::name).contains("ack", "subjects", "stream", "durable", "queue");
  }

  @Test
  void secretOptionsAreMarkedSensitive() {
    SourceOptions o =
        SourceOptions.parse("nats://h:14222?subjects=a&token=T1&creds=/c&tlsKey=/k")
            .validate(ChangeSources.options(new NatsProvider()));
    assertThat(o.redacted()).isEqualTo("nats://h:14222?subjects=a&token=***&creds=***&tlsKey=***");
  }

  @Test
  void defaultPortIs4222AndSeveralServersAreAccepted() {
    // open() only validates: nothing connects.
    ChangeSources.open("nats://h1,h2:5222,10.0.0.3?subjects=a");
    ChangeSources.open("tls://h1:4443?subjects=a&stream=S&durable=d");
  }
}
