package io.changeflux.samples.cli;

import io.changeflux.ChangeEvent;
import io.changeflux.samples.json.EventJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;

/**
 * The events of one run as JSON lines (the format of {@code watch --json}) in a private temporary
 * directory; the file is named by {@code CHANGEFLUX_EVENTS_FILE} and deleted once the run ends.
 */
final class EventsFile implements AutoCloseable {

  private static volatile Path dir;

  final Path path;

  private EventsFile(Path path) {
    this.path = path;
  }

  /** Writes {@code events} (run number {@code run}) to a new file. */
  static EventsFile write(Collection<ChangeEvent> events, long run) {
    try {
      Path file = Files.createTempFile(directory(), "events-" + run + "-", ".jsonl");
      try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (ChangeEvent e : events) {
          w.write(EventJson.json(e, run));
          w.write('\n');
        }
      }
      return new EventsFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the events file: " + e.getMessage(), e);
    }
  }

  private static synchronized Path directory() throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      dir = Files.createTempDirectory("changeflux-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      dir.toFile().deleteOnExit();
    }
    return dir;
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // a leftover in the private temporary directory; nothing to do
    }
  }
}
