package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.git.GitRepo;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on a {@code git:} source (the provider itself is tested in changeflux-git). */
class GitCliTest {

  @TempDir Path tmp;

  @Test
  void theCliPrintsOneJsonLinePerNewHead() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    try (CliProcess cli = CliProcess.start("watch", "git:" + repo.dir + "?branch=main", "--json", "--count", "1")) {
      cli.awaitErr("watching ");
      String head = repo.commit("for the cli");
      assertThat(cli.waitFor(Duration.ofSeconds(30))).isZero();
      JsonNode n = new ObjectMapper().readTree(cli.out.get(0));
      assertThat(n.get("kind").asText()).isEqualTo("MODIFIED");
      assertThat(n.get("key").asText()).isEqualTo("main");
      assertThat(n.get("sha").asText()).isEqualTo(head);
    }
  }
}
