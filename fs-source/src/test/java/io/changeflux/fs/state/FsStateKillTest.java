package io.changeflux.fs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.internal.StateCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM watches {@code fs:ROOT?state=…&checkpoint=20ms} (a checkpoint in progress most of
 * the time) under a storm of creates, rewrites and deletes, and is SIGKILLed at random moments,
 * six times. After every kill the state file loads (never a damaged file, never an exception at
 * the next start); after the storm, a last start reports what the consumer needs: the set of files
 * its events add up to, across all runs, equals the disk.
 */
class FsStateKillTest {

  static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path tmp;

  /** One child; its output lines are collected as they come. */
  static final class Child {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Thread pump;

    Child(String uri) throws Exception {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add(StateChild.class.getName());
      cmd.add(uri);
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                  }
                } catch (Exception e) {
                  // killed
                }
              },
              "child-pump");
      pump.setDaemon(true);
      pump.start();
      await().atMost(PATIENCE).until(() -> lines.contains("READY") || !process.isAlive());
      assertThat(lines).as("child came up: " + lines).contains("READY");
    }

    void kill() throws Exception {
      process.destroyForcibly(); // SIGKILL on Unix
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      pump.join(10_000);
    }

    List<String> problems() {
      return lines.stream().filter(l -> !l.startsWith("EV ") && !l.equals("READY") && !l.contains(" DEBUG ") && !l.contains(" INFO ")).toList();
    }
  }

  static Set<String> disk(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).collect(Collectors.toSet());
    }
  }

  /** Applies a child's events to the consumer's model of the tree. */
  static void apply(List<String> lines, Set<String> model) {
    for (String l : lines) {
      if (!l.startsWith("EV ")) {
        continue;
      }
      String[] w = l.split(" ", 3);
      if (w.length < 3) {
        continue; // a line cut by the kill
      }
      switch (w[1]) {
        case "CREATED", "MODIFIED" -> model.add(w[2]);
        case "DELETED" -> model.remove(w[2]);
        case "OVERFLOW" -> {
          if (w[2].endsWith("state")) {
            model.clear(); // the state was discarded: everything is reported again
          }
        }
        default -> {}
      }
    }
  }

  @Test
  void sigkillAtRandomMomentsUnderAWriteStormNeverLeavesAStateThatFailsAndTheLastRunAddsUpToTheDisk() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    for (int d = 0; d < 4; d++) {
      Files.createDirectories(root.resolve("d" + d));
      for (int i = 0; i < 50; i++) {
        Files.writeString(root.resolve("d" + d + "/f" + i), "init");
      }
    }
    Path state = tmp.resolve("kill.state");
    String uri = "fs:" + root + "?state=" + state + "&checkpoint=20ms";
    Set<String> model = new HashSet<>(disk(root)); // a first start reports nothing: the tree as it was
    Random rnd = new Random(20261202L);
    AtomicBoolean stop = new AtomicBoolean();
    Thread storm =
        new Thread(
            () -> {
              Random r = new Random(7);
              long n = 0;
              while (!stop.get()) {
                Path f = root.resolve("d" + r.nextInt(5) + "/f" + r.nextInt(80));
                try {
                  switch (r.nextInt(3)) {
                    case 0 -> {
                      Files.createDirectories(f.getParent());
                      Files.writeString(f, "v" + n++);
                    }
                    case 1 -> Files.deleteIfExists(f);
                    default -> {
                      if (Files.exists(f)) {
                        Files.writeString(f, "rewritten " + n++);
                      }
                    }
                  }
                  if (n % 20 == 0) {
                    Thread.sleep(1); // pacing the load, not synchronising
                  }
                } catch (Exception e) {
                  // a race with ourselves (deleted meanwhile): carry on
                }
              }
            },
            "storm");
    Child first = new Child(uri);
    await().atMost(PATIENCE).until(() -> Files.exists(state));
    storm.start();
    List<Child> children = new ArrayList<>(List.of(first));
    Child current = first;
    try {
      for (int k = 0; k < 6; k++) {
        Thread.sleep(150 + rnd.nextInt(900)); // a random moment to kill at, not a synchronisation
        current.kill();
        assertThat(current.problems()).as("run " + k + " output").isEmpty();
        apply(current.lines, model);
        try {
          StateCodec.decodeAll(Files.readAllBytes(state), "files", root.toString());
        } catch (NoSuchFileException e) {
          throw new AssertionError("the state file vanished after kill " + k);
        } catch (StateCodec.Rejected e) {
          throw new AssertionError("kill " + k + " left a state file that does not load: " + e.getMessage());
        }
        current = new Child(uri);
        children.add(current);
      }
      stop.set(true);
      storm.join();
      Set<String> onDisk = disk(root);
      Child last = current;
      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> {
                Set<String> m = new HashSet<>(model);
                apply(last.lines, m);
                assertThat(m).as("what the events add up to, across %d SIGKILLs", 6).isEqualTo(onDisk);
              });
      assertThat(last.problems()).isEmpty();
      assertThat(last.lines.stream().filter(l -> l.startsWith("EV OVERFLOW")).toList())
          .as("the state always loaded: never discarded")
          .noneMatch(l -> l.endsWith("state"));
    } finally {
      stop.set(true);
      for (Child c : children) {
        c.process.destroyForcibly();
      }
    }
  }
}
