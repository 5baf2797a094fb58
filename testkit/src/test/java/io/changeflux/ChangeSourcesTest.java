package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.mem.InMemory;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class ChangeSourcesTest {

  @Test
  void unknownSchemeListsTheInstalledSchemes() {
    assertThatThrownBy(() -> ChangeSources.open("bogus://x"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("unknown scheme 'bogus'")
        .hasMessageContaining("installed schemes: ")
        .hasMessageContaining("mem");
  }

  @Test
  void unknownOptionNamesItAndSuggests() {
    assertThatThrownBy(() -> ChangeSources.open("mem:x?bogus=1"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("mem:x?bogus=1: unknown option 'bogus'");
    assertThatThrownBy(() -> ChangeSources.open("mem:x?coalesc=1"))
        .hasMessageContaining("did you mean 'coalesce'?");
  }

  @Test
  void memDeliversWhatATestEmitsWithTheRedactedSource() {
    ChangeSource source = ChangeSources.open("mem:orders");
    StepVerifier.create(source.events().contextWrite(ChangeSources.onReady(() -> InMemory.channel("orders").emit(ChangeKind.CREATED, "o-1"))))
        .assertNext(e -> {
          assertThat(e.key()).isEqualTo("o-1");
          assertThat(e.kind()).isEqualTo(ChangeKind.CREATED);
          assertThat(e.source()).isEqualTo("mem:orders");
        })
        .then(() -> InMemory.channel("orders").complete())
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    assertThat(InMemory.channel("orders").subscriberCount()).isZero();
  }

  @Test
  void memFillsInTheSourceOnlyWhereTheEventHasNone() {
    ChangeEvent own = ChangeEvent.builder(ChangeKind.MODIFIED, "k").source("elsewhere").build();
    StepVerifier.create(ChangeSources.open("mem:keep").events().contextWrite(ChangeSources.onReady(() -> InMemory.channel("keep").emit(own))))
        .assertNext(e -> assertThat(e.source()).isEqualTo("elsewhere"))
        .thenCancel()
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void memWithoutNameIsAConfigurationError() {
    assertThatThrownBy(() -> ChangeSources.open("mem:"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("missing channel name");
  }

  @Test
  void openFromPropertiesUsesTheSameKeys() {
    Properties p = new Properties();
    p.setProperty("app.source", "mem:props");
    p.setProperty("app.coalesce", "5");
    assertThat(ChangeSources.open(p, "app.")).isNotNull();
    p.setProperty("app.coalesce", "lots");
    assertThatThrownBy(() -> ChangeSources.open(p, "app."))
        .hasMessageContaining("bad value 'lots' for option 'coalesce'");
  }

  @Test
  void optionsOfAProviderIncludeThePipelineOnes() {
    var mem = ChangeSources.provider("mem").orElseThrow();
    assertThat(ChangeSources.options(mem)).extracting(OptionSpec::name).contains("debounce", "coalesce", "include");
    assertThat(ChangeSources.schemes()).contains("mem");
  }

  @Test
  void sinksOfASchemeThatCannotPublishSaySo() {
    assertThatThrownBy(() -> ChangeSinks.open("mem:x"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("'mem' cannot publish");
  }
}
