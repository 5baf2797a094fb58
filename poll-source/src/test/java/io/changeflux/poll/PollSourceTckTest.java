package io.changeflux.poll;

import io.changeflux.tck.DirectorySourceVerification;
import java.nio.file.Path;

/**
 * The Reactive Streams TCK against {@code poll:} events (a scan every 50 ms): see {@link
 * DirectorySourceVerification}.
 */
public class PollSourceTckTest extends DirectorySourceVerification {

  @Override
  protected String uri(Path dir) {
    return "poll:" + dir + "?initial=true&interval=50ms";
  }
}
