package io.changeflux.samples.cli;

import io.changeflux.ChangeSourceException;
import io.changeflux.SourceOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The options that pick a source and its operators: a properties file and the operator flags,
 * each equal to the option key of the same name (a flag wins over the URI, the URI over the file).
 */
final class SourceArgs {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "properties file with source=URI and option keys (debounce=200ms, ...)")
  Path config;

  @Option(names = "--debounce", paramLabel = "DURATION", description = "quiet period: emit batches (option debounce)")
  String debounce;

  @Option(names = "--max-wait", paramLabel = "DURATION", description = "with --debounce: longest a batch stays open (option maxWait)")
  String maxWait;

  @Option(names = "--dedup", paramLabel = "DURATION", description = "drop repeats of an event within this window (option dedup)")
  String dedup;

  @Option(names = "--confirm", paramLabel = "none|sha256", description = "drop events whose content SHA-256 did not change (option confirm)")
  String confirm;

  @Option(names = "--include", paramLabel = "GLOB", description = "keep only keys matching GLOB; repeatable (option include)")
  List<String> include = new ArrayList<>();

  @Option(names = "--exclude", paramLabel = "GLOB", description = "drop keys matching GLOB; repeatable (option exclude)")
  List<String> exclude = new ArrayList<>();

  @Option(names = "--coalesce", paramLabel = "N", description = "pending keys kept for a slow consumer before one OVERFLOW (option coalesce)")
  String coalesce;

  /** The options from the URI (may be null when the file names the source), the file and the flags. */
  SourceOptions resolve(String uri) {
    Properties p = config != null ? load(config) : new Properties();
    if (uri != null) {
      p.setProperty("source", uri);
    }
    if (p.getProperty("source") == null) {
      throw new ChangeSourceException(
          config == null
              ? "no source: give a URI (e.g. fs:.) or --config FILE"
              : "no source: " + config + " has no source=URI line and no URI was given",
          "source",
          null);
    }
    SourceOptions o = SourceOptions.fromProperties(p, "");
    o = set(o, "debounce", debounce);
    o = set(o, "maxWait", maxWait);
    o = set(o, "dedup", dedup);
    o = set(o, "confirm", confirm);
    o = set(o, "coalesce", coalesce);
    o = set(o, "include", include.isEmpty() ? null : String.join(",", include));
    o = set(o, "exclude", exclude.isEmpty() ? null : String.join(",", exclude));
    return o;
  }

  /** Reads a properties file; a missing or unreadable one is a configuration error (exit status 2). */
  static Properties load(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      throw new ChangeSourceException("config file not found: " + file, "config", null);
    } catch (IOException | IllegalArgumentException e) {
      throw new ChangeSourceException(
          "cannot read config file " + file + ": " + e.getMessage(), "config", null);
    }
    return p;
  }

  private static SourceOptions set(SourceOptions o, String key, String value) {
    return value == null ? o : o.with(key, value);
  }
}
