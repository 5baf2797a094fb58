package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({
    "250ms, PT0.25S",
    "5s, PT5S",
    "2m, PT2M",
    "1h, PT1H",
    "1d, PT24H",
    "1.5s, PT1.5S",
    "100us, PT0.0001S",
    "0, PT0S",
    "PT5S, PT5S",
    "pt0.2s, PT0.2S",
    "' 3s ', PT3S"
  })
  void parsesShortAndIsoForms(String text, String iso) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "5", "5 parsecs", "-1s", "PT-5S", "s", "1.s", "10000000000000d"})
  void rejectsWhatItCannotRead(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("250ms");
  }

  @ParameterizedTest
  @ValueSource(strings = {"250ms", "5s", "2m", "1h", "100us", "7ns", "0"})
  void formatReadsBack(String text) {
    assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
  }
}
