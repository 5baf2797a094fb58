package io.changeflux.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ChangeSources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import reactor.core.Disposable;

/**
 * {@code git:REPO?branch=main}: commit → event. Commits are made up front ({@code git commit-tree}),
 * then the branch is moved to each in turn, in two ways: (1) {@code git update-ref}, stamped just
 * before the process starts (so git's own start-up, ~1–3 ms, is included); (2) the ref file
 * replaced the way git does it (write {@code main.lock}, rename it over {@code main}), stamped
 * just before the rename: the watcher's and the confirmation's latency alone. The event counts
 * when its sha is the commit's.
 */
final class GitLatency {

  private GitLatency() {}

  static ObjectNode run(Path work, int commitsPerWay, long spacingMillis) throws Exception {
    Path repo = Files.createDirectories(work.resolve("repo"));
    Bench.run(repo, "git", "init", "-q", "-b", "main");
    Bench.run(repo, "git", "-c", "user.name=bench", "-c", "user.email=b@example.invalid", "commit", "-q",
        "--allow-empty", "-m", "root");
    String tree = Bench.run(repo, "git", "rev-parse", "HEAD^{tree}").trim();
    String parent = Bench.run(repo, "git", "rev-parse", "HEAD").trim();
    List<String> commits = new ArrayList<>();
    for (int i = 0; i < 2 * commitsPerWay; i++) {
      String c = Bench.run(repo, "git", "-c", "user.name=bench", "-c", "user.email=b@example.invalid",
          "commit-tree", tree, "-p", parent, "-m", "c" + i).trim();
      commits.add(c);
      parent = c;
    }
    ConcurrentHashMap<String, Long> sent = new ConcurrentHashMap<>();
    Histogram viaGit = Bench.histogram();
    Histogram viaRename = Bench.histogram();
    ConcurrentHashMap<String, Histogram> which = new ConcurrentHashMap<>();
    CountDownLatch ready = new CountDownLatch(1);
    int[] received = new int[1];
    Disposable d =
        ChangeSources.open("git:" + repo + "?branch=main")
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                e -> {
                  long now = System.nanoTime();
                  String sha = e.sha().orElse("");
                  Long t0 = sent.remove(sha);
                  if (t0 != null) {
                    Bench.record(which.get(sha), now - t0);
                    synchronized (received) {
                      received[0]++;
                    }
                  }
                });
    if (!ready.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("git: not ready");
    }
    Path ref = repo.resolve(".git/refs/heads/main");
    Path lock = repo.resolve(".git/refs/heads/main.lock");
    try {
      for (int i = 0; i < commits.size(); i++) {
        String c = commits.get(i);
        boolean git = i % 2 == 0;
        which.put(c, git ? viaGit : viaRename);
        if (git) {
          sent.put(c, System.nanoTime());
          Bench.run(repo, "git", "update-ref", "refs/heads/main", c);
        } else {
          Files.writeString(lock, c + "\n", StandardCharsets.US_ASCII);
          sent.put(c, System.nanoTime());
          Files.move(lock, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        // wait for this commit's event (or 2 s) before the next, then the spacing
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (sent.containsKey(c) && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        Thread.sleep(spacingMillis);
      }
    } finally {
      d.dispose();
    }
    ObjectNode o = Bench.obj();
    o.put("commits", commits.size());
    o.put("missed", commits.size() - received[0]);
    o.set("gitUpdateRef", Bench.percentiles(viaGit));
    o.set("refRename", Bench.percentiles(viaRename));
    Bench.log("git %s", o);
    Bench.deleteTree(repo);
    return o;
  }
}
