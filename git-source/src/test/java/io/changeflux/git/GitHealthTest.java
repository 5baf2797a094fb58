package io.changeflux.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.HealthState;
import io.changeflux.SourceHealth;
import io.changeflux.SourceListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * git: is made of fs: watches; its health is one subscription's: UP once both watches are, and the
 * inner watches' own states never reach the listener.
 */
class GitHealthTest {

  @TempDir Path tmp;

  @Test
  void upOnceEveryInnerWatchIsThenStopped() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    ChangeSource s = ChangeSources.open("git:" + repo.dir + "?branch=main");
    List<SourceHealth> seen = new CopyOnWriteArrayList<>();
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    SourceListener l =
        new SourceListener() {
          @Override
          public void onHealth(SourceHealth h) {
            seen.add(h);
          }
        };
    Disposable d = s.events().contextWrite(ChangeSources.observe(l)).subscribe(events::add);
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.health().current().state() == HealthState.UP);
      repo.commit("next");
      await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
      assertThat(s.health().current().state()).isEqualTo(HealthState.UP);
    } finally {
      d.dispose();
    }
    assertThat(seen).extracting(SourceHealth::state).containsExactly(HealthState.STARTING, HealthState.UP, HealthState.STOPPED);
    assertThat(seen).allSatisfy(h -> assertThat(h.source()).startsWith("git:"));
  }
}
