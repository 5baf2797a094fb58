package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI contract users' scripts rely on: exit statuses, one-line errors, the ready line, help. */
class CliContractTest {

  @Test
  void unknownSchemeExitsTwoAndListsTheInstalledSchemes() throws Exception {
    CliProcess p = CliProcess.run("watch", "bogus://x");
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.err).hasSize(1);
    assertThat(p.err.get(0)).contains("unknown scheme 'bogus'", "installed schemes:", "mem");
  }

  @Test
  void helpListsTheWebSchemesAndAMissingSecretExitsTwoNamingTheKey() throws Exception {
    CliProcess help = CliProcess.run("watch", "--help");
    assertThat(String.join("\n", help.out)).contains("webhook", "https");
    CliProcess webhook = CliProcess.run("help", "webhook");
    assertThat(String.join("\n", webhook.out)).contains("webhook://HOST:PORT/PATH", "verify");
    CliProcess http = CliProcess.run("help", "http");
    assertThat(String.join("\n", http.out)).contains("http://HOST[:PORT]/PATH", "select");
    CliProcess p = CliProcess.run("watch", "webhook://127.0.0.1:1/h?verify=github");
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.err).singleElement().asString().contains("'secret'");
  }

  @Test
  void unknownOptionExitsTwoNamingIt() throws Exception {
    CliProcess p = CliProcess.run("watch", "mem:x?bogus=1");
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.err).singleElement().asString().contains("unknown option 'bogus'");
  }

  @Test
  void badValueExitsTwoNamingKeyAndValue() throws Exception {
    CliProcess p = CliProcess.run("watch", "mem:x", "--coalesce", "many");
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.err).singleElement().asString().contains("bad value 'many' for option 'coalesce'");
  }

  @Test
  void badUsageExitsTwo() throws Exception {
    assertThat(CliProcess.run("watch", "--no-such-flag", "mem:x").exitValue()).isEqualTo(2);
    assertThat(CliProcess.run("frobnicate").exitValue()).isEqualTo(2);
    CliProcess none = CliProcess.run("watch");
    assertThat(none.exitValue()).isEqualTo(2);
    assertThat(none.errText()).contains("no source");
  }

  @Test
  void errorsAreOneLineWithoutStackTraceUnlessDebug() throws Exception {
    CliProcess plain = CliProcess.run("watch", "bogus://x");
    assertThat(plain.errText()).doesNotContain("\tat ", "Exception");
    CliProcess debug = CliProcess.run("watch", "bogus://x", "--debug");
    assertThat(debug.exitValue()).isEqualTo(2);
    assertThat(debug.errText()).contains("ChangeSourceException", "\tat ");
  }

  @Test
  void secretsNeverReachTheOutput() throws Exception {
    CliProcess p = CliProcess.run("watch", "bogus://alice:hunter2@host:1?token=t0k3n&x=1");
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.errText()).doesNotContain("hunter2", "t0k3n").contains("alice:***@host");
    CliProcess debug = CliProcess.run("watch", "mem:x?password=hunter2&bogus=1", "--debug");
    assertThat(debug.errText()).doesNotContain("hunter2");
  }

  @Test
  void sigtermAndSigintExitZeroAfterTheReadyLine() throws Exception {
    for (String signal : new String[] {"TERM", "INT"}) {
      try (CliProcess p = CliProcess.start("watch", "mem:signals")) {
        p.awaitErr("watching ");
        assertThat(p.err).contains("watching mem:signals");
        p.signal(signal);
        assertThat(p.waitFor(Duration.ofSeconds(30))).as("exit after SIG" + signal).isZero();
      }
    }
  }

  @Test
  void configFileCarriesTheSourceAndOptionsAndTheCommandLineUriWins(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("watch.properties");
    Files.writeString(config, "source=mem:fromfile\ncoalesce=7\n");
    try (CliProcess p = CliProcess.start("watch", "--config", config.toString())) {
      p.awaitErr("watching ");
      assertThat(p.err).contains("watching mem:fromfile?coalesce=7");
    }
    try (CliProcess p = CliProcess.start("watch", "mem:fromargs", "--config", config.toString())) {
      p.awaitErr("watching ");
      assertThat(p.err).contains("watching mem:fromargs?coalesce=7");
    }
    Files.writeString(config, "source=mem:x\ndebounse=1s\n");
    CliProcess bad = CliProcess.run("watch", "--config", config.toString());
    assertThat(bad.exitValue()).isEqualTo(2);
    assertThat(bad.errText()).contains("unknown option 'debounse'", "did you mean 'debounce'?");
    CliProcess missing = CliProcess.run("watch", "--config", dir.resolve("nope.properties").toString());
    assertThat(missing.exitValue()).isEqualTo(2);
    assertThat(missing.errText()).contains("config file not found", "nope.properties");
  }

  @Test
  void helpListsSchemesAndOptionsWithDefaults() throws Exception {
    CliProcess root = CliProcess.run("--help");
    assertThat(root.exitValue()).isZero();
    assertThat(String.join("\n", root.out)).contains("watch", "publish", "relay", "Schemes: ", "mem", "changeflux help SCHEME");
    CliProcess watch = CliProcess.run("watch", "--help");
    assertThat(watch.exitValue()).isZero();
    assertThat(String.join("\n", watch.out)).contains("--json", "--count", "--config", "--debounce", "--coalesce");
    CliProcess mem = CliProcess.run("help", "mem");
    assertThat(mem.exitValue()).isZero();
    assertThat(String.join("\n", mem.out)).contains("mem:NAME", "coalesce", "10000");
  }

  @Test
  void publishToASchemeThatCannotPublishExitsTwo() throws Exception {
    CliProcess p = CliProcess.run("publish", "mem:x", "key");
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.errText()).contains("'mem' cannot publish");
  }
}
