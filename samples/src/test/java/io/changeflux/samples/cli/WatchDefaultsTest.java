package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.SourceOptions;
import org.junit.jupiter.api.Test;

/** {@code watch --exec} and {@code run --watch}: the defaults a watch that runs commands gets. */
class WatchDefaultsTest {

  @Test
  void fsAndPollSourcesSettleOnVersionControlUnlessTheUriSaysOtherwise() {
    assertThat(ExecRunner.watchDefaults(SourceOptions.parse("fs:/src")).value("settle")).contains("vcs");
    assertThat(ExecRunner.watchDefaults(SourceOptions.parse("fs:/src?settle=none")).value("settle"))
        .contains("none");
    assertThat(ExecRunner.watchDefaults(SourceOptions.parse("poll:/src")).value("settle")).contains("vcs");
    assertThat(ExecRunner.watchDefaults(SourceOptions.parse("poll:/src?settle=none")).value("settle"))
        .contains("none");
    assertThat(ExecRunner.watchDefaults(SourceOptions.parse("redis://127.0.0.1:1?channels=a")).has("settle"))
        .isFalse();
    assertThat(ExecRunner.watchDefaults(SourceOptions.parse("fs:/src")).value("debounce")).contains("200ms");
  }
}
