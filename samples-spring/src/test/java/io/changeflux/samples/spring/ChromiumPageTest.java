package io.changeflux.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.HealthState;
import io.changeflux.spring.ManagedChangeSource;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headless Chromium (Debian's {@code chromium}, driven through the DevTools protocol) opens the
 * sample's page, which subscribes with {@code EventSource('/events')}; once the source has that
 * subscriber a file is created, and the page shows it. A screenshot is saved as {@code
 * target/chromium-events.png}.
 */
class ChromiumPageTest {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path dir;
  @TempDir Path profile;

  @BeforeAll
  static void chromium() {
    Assumptions.assumeTrue(
        new File("/usr/bin/chromium").canExecute(),
        "Debian's chromium is not installed (apt-get install -y chromium); the browser test cannot run");
  }

  @Test
  void thePageShowsAFileCreatedWhileItListens() throws Exception {
    try (SampleApp app = SampleApp.start("changeflux.sources.files.uri=fs:" + dir)) {
      ManagedChangeSource files = (ManagedChangeSource) app.context.getBean("changeflux.sources.files");
      assertThat(files.health().current().state()).isEqualTo(HealthState.STOPPED);
      try (DevTools chrome = DevTools.open("http://127.0.0.1:" + app.port + "/", profile)) {
        // the page's EventSource is the source's only subscriber: UP means the page listens
        await().atMost(PATIENCE).until(() -> files.health().current().state() == HealthState.UP);
        await().atMost(PATIENCE).until(() -> chrome.eval("document.getElementById('state').textContent").equals("open"));
        Files.writeString(dir.resolve("seen by chromium ü.txt"), "hello");
        await()
            .atMost(PATIENCE)
            .until(() -> chrome.eval("document.getElementById('events').innerText").contains("CREATED seen by chromium ü.txt"));
        Path shot = Path.of("target", "chromium-events.png");
        Files.write(shot, chrome.screenshot());
        assertThat(Files.size(shot)).isGreaterThan(1000);
        byte[] head = Files.readAllBytes(shot);
        assertThat(head[1]).isEqualTo((byte) 'P'); // \x89PNG
      }
      // the browser is gone: its subscription ended
      await().atMost(PATIENCE).until(() -> files.health().current().state() == HealthState.STOPPED);
    }
  }
}
