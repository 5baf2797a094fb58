package io.changeflux.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real git repository in a temporary folder, driven by the real {@code git}. */
public final class GitRepo {

  /** The work tree. */
  public final Path dir;

  public GitRepo(Path dir) {
    this.dir = dir;
  }

  public static GitRepo init(Path dir) throws Exception {
    Files.createDirectories(dir);
    GitRepo r = new GitRepo(dir);
    r.git("init", "-q", "-b", "main");
    r.commit("first");
    return r;
  }

  public String commit(String message) throws Exception {
    Path f = dir.resolve("file.txt");
    Files.writeString(f, message + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    git("add", "file.txt");
    git("commit", "-q", "-m", message);
    return head();
  }

  public String head() throws Exception {
    return git("rev-parse", "HEAD").trim();
  }

  public String revParse(String ref) throws Exception {
    return git("rev-parse", ref).trim();
  }

  public String git(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.add("-C");
    cmd.add(dir.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("GIT_AUTHOR_NAME", "test");
    env.put("GIT_AUTHOR_EMAIL", "test@example.invalid");
    env.put("GIT_COMMITTER_NAME", "test");
    env.put("GIT_COMMITTER_EMAIL", "test@example.invalid");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("HOME", dir.getParent().toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("git " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }
}
