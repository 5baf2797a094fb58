package io.changeflux.samples.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.git.GitRepo;
import io.changeflux.web.TestHttpServer;
import io.changeflux.web.TestHttpServer.Answer;
import io.changeflux.web.Web;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit waiter on a remote, both ways, against a real repository: a push webhook from a
 * simulated GitHub (real HTTP: curl posts, openssl signs), and polling a refs endpoint that a local
 * server answers from {@code git rev-parse}.
 */
class RemoteCommitWaiterTest {

  @TempDir Path tmp;

  /** What GitHub posts after a push of {@code branch} (the fields the waiter reads, and some). */
  static String pushPayload(String branch, String before, String after) {
    return "{\"ref\":\"refs/heads/" + branch + "\",\"before\":\"" + before + "\",\"after\":\"" + after
        + "\",\"created\":false,\"deleted\":false,\"forced\":false,\"repository\":{\"full_name\":\"octo/repo\"},"
        + "\"head_commit\":{\"id\":\"" + after + "\",\"message\":\"m\"}}";
  }

  /** Posts a push of {@code branch} as GitHub would; returns the HTTP status. */
  String githubPush(int port, String secret, GitRepo repo, String branch, String before) throws Exception {
    Path body = Web.file(tmp, "push-" + UUID.randomUUID() + ".json", pushPayload(branch, before, repo.revParse(branch)));
    String out =
        Web.curlPost(
            "http://127.0.0.1:" + port + "/hooks/github",
            body,
            "Content-Type: application/json",
            "User-Agent: GitHub-Hookshot/test",
            "X-GitHub-Event: push",
            "X-GitHub-Delivery: " + UUID.randomUUID(),
            "X-Hub-Signature-256: " + Web.githubSignature(secret, body));
    return out.substring(0, out.indexOf('\n'));
  }

  @Test
  void webhookFromGithubWakesTheWaiterWithTheCommitOfMainOnly() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    int port = Web.freePort();
    String secret = "hook secret";
    String uri = "webhook://127.0.0.1:" + port + "/hooks/github?secret=hook%20secret&include=refs/heads/main";
    try (Web.Collector waiter = new Web.Collector(uri)) {
      String before = repo.head();
      String second = repo.commit("second");
      assertThat(githubPush(port, secret, repo, "main", before)).isEqualTo("200");
      ChangeEvent e = waiter.next();
      assertThat(e.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(e.key()).isEqualTo("refs/heads/main");
      assertThat(e.sha()).contains(second);
      // a push to another branch is accepted (200) and filtered out by include=
      repo.git("checkout", "-q", "-b", "topic");
      repo.commit("on topic");
      assertThat(githubPush(port, secret, repo, "topic", second)).isEqualTo("200");
      repo.git("checkout", "-q", "main");
      String third = repo.commit("third");
      assertThat(githubPush(port, secret, repo, "main", second)).isEqualTo("200");
      assertThat(waiter.next().sha()).contains(third);
      assertThat(waiter.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void pollingARefsEndpointWakesTheWaiterWithTheNewCommit() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    // the shape of GET /repos/OWNER/REPO/git/refs/heads/main, answered live from the repository
    try (TestHttpServer github =
            new TestHttpServer(
                r -> {
                  try {
                    String sha = repo.revParse("main");
                    String etag = "W/\"" + sha.substring(0, 12) + "\"";
                    if (etag.equals(r.headers().getFirst("If-None-Match"))) {
                      return Answer.status(304, "ETag", etag);
                    }
                    return Answer.ok(
                        "{\"ref\":\"refs/heads/main\",\"node_id\":\"x\",\"url\":\"u\",\"object\":{\"sha\":\"" + sha + "\",\"type\":\"commit\"}}",
                        "ETag", etag, "Content-Type", "application/json");
                  } catch (Exception e) {
                    return Answer.status(500);
                  }
                });
        Web.Collector waiter =
            new Web.Collector(
                github.base() + "/repos/octo/repo/git/refs/heads/main?interval=100ms&select=/object/sha&id=value&authorization=Bearer%20t0ken")) {
      String second = repo.commit("second");
      ChangeEvent e = waiter.next();
      assertThat(e.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(e.sha()).contains(second);
      String third = repo.commit("third");
      assertThat(waiter.next().sha()).contains(third);
      assertThat(github.requests()).allSatisfy(r -> assertThat(r.headers().getFirst("Authorization")).isEqualTo("Bearer t0ken"));
      assertThat(github.requests().stream().filter(r -> r.headers().getFirst("If-None-Match") != null)).isNotEmpty();
    }
  }
}
