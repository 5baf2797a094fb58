package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import org.junit.jupiter.api.Test;

class EventFormatTest {

  @Test
  void textIsOneReadableLine() {
    ChangeEvent e = ChangeEvent.builder(ChangeKind.DELETED, "a\nb").count(2).sha("0123456789abcdef").build();
    String line = EventFormat.text(e, 9L);
    assertThat(line).contains("DELETED", "a\\nb", "count=2", "batch=9", "sha=0123456789ab").doesNotContain("\n");
  }
}
