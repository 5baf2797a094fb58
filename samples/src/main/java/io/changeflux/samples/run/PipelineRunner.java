package io.changeflux.samples.run;

import java.io.IOException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Runs a pipeline's stages in order, with their output passed through; a failed stage skips what depends on it. */
public final class PipelineRunner {

  private final PrintStream status;

  /** A runner that reports on {@code status} (stderr in the CLI). */
  public PipelineRunner(PrintStream status) {
    this.status = status;
  }

  /**
   * Runs {@code stages} (already in run order) with {@code CHANGEFLUX_KEYS} = the changed keys (see {@link Handoff}).
   *
   * @return whether every stage ran and succeeded
   */
  public boolean run(PipelineFile pipeline, List<PipelineFile.Stage> stages, List<String> keys) {
    return run(pipeline, stages, keys, Map.of());
  }

  /**
   * As {@link #run(PipelineFile, List, List)}, with {@code env} added to every stage's environment
   * (the CLI adds {@code CHANGEFLUX_EVENTS_FILE}). {@code CHANGEFLUX_KEYS} is cut past
   * {@link Handoff#MAX_KEYS_BYTES} with {@code CHANGEFLUX_KEYS_TRUNCATED=1}.
   */
  public boolean run(PipelineFile pipeline, List<PipelineFile.Stage> stages, List<String> keys, Map<String, String> env) {
    Map<String, String> vars = new HashMap<>(Handoff.keysEnvironment(keys));
    vars.putAll(env);
    Set<String> failed = new HashSet<>();
    boolean ok = true;
    for (PipelineFile.Stage s : stages) {
      PipelineFile.Stage blocker = null;
      for (PipelineFile.Stage other : pipeline.stages()) {
        if (failed.contains(other.name()) && pipeline.downstreamOf(other).contains(s)) {
          blocker = other;
        }
      }
      if (blocker != null) {
        status.println("changeflux: [" + s.name() + "] skipped: " + blocker.name() + " failed");
        failed.add(s.name());
        ok = false;
        continue;
      }
      status.println("changeflux: [" + s.name() + "] running" + (keys.isEmpty() ? "" : " (" + keys.size() + " changed)"));
      status.flush();
      long start = System.nanoTime();
      int rc;
      try {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", s.command())
            .directory(pipeline.root().toFile())
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Handoff.apply(pb.environment(), vars);
        pb.environment().put("CHANGEFLUX_STAGE", s.name());
        rc = pb.start().waitFor();
      } catch (IOException e) {
        status.println("changeflux: [" + s.name() + "] cannot start: " + e.getMessage());
        rc = -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      if (rc == 0) {
        status.println("changeflux: [" + s.name() + "] ok in " + ms + " ms");
      } else {
        status.println("changeflux: [" + s.name() + "] FAILED with status " + rc + " after " + ms + " ms");
        failed.add(s.name());
        ok = false;
      }
      status.flush();
    }
    return ok;
  }
}
