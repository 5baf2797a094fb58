package io.changeflux.reliability;

import io.changeflux.mem.InMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Open and cancel each backend's source many times: nothing it opened may stay behind. */
@Tag("reliability")
class LeakTest {

  @TempDir Path tmp;

  private Path tree() throws Exception {
    for (int i = 0; i < 5; i++) {
      Files.createDirectories(tmp.resolve("t/d" + i + "/e"));
      Files.writeString(tmp.resolve("t/d" + i + "/e/f"), "x");
    }
    return tmp.resolve("t");
  }

  @Test
  void fsSourceOpenedAndCancelledAThousandTimesLeavesNothing() throws Exception {
    Leaks.cycle("fs", "fs:" + tree(), Rel.scaled(1000, 100), "changeflux-fs", () -> 0);
    if (Rel.linux()) {
      // the probe itself works: one watch per directory while a source is open
      java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
      reactor.core.Disposable d = io.changeflux.ChangeSources.open("fs:" + tmp.resolve("t")).events()
          .contextWrite(io.changeflux.ChangeSources.onReady(ready::countDown)).subscribe();
      try {
        org.assertj.core.api.Assertions.assertThat(ready.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        org.assertj.core.api.Assertions.assertThat(Rel.inotifyWatches()).isEqualTo(11);
      } finally {
        d.dispose();
      }
    }
  }

  @Test
  void fsPollFallbackOpenedAndCancelledAThousandTimesLeavesNothing() throws Exception {
    Leaks.cycle(
        "fs-fallback-poll",
        "fs:" + tree() + "?fallback=poll&pollInterval=50ms",
        Rel.scaled(1000, 100),
        "changeflux-",
        () -> 0);
  }

  @Test
  void pollSourceOpenedAndCancelledAThousandTimesLeavesNothing() throws Exception {
    Leaks.cycle("poll", "poll:" + tree() + "?interval=50ms", Rel.scaled(1000, 100), "changeflux-poll", () -> 0);
  }

  @Test
  void memSourceOpenedAndCancelledAThousandTimesLeavesNoSubscriber() throws Exception {
    Leaks.cycle(
        "mem",
        "mem:leaks",
        Rel.scaled(1000, 100),
        "changeflux-",
        () -> InMemory.channel("leaks").subscriberCount());
  }
}
