package io.changeflux.fs;

import io.changeflux.tck.DirectorySourceVerification;
import java.nio.file.Path;

/** The Reactive Streams TCK against {@code fs:} events: see {@link DirectorySourceVerification}. */
public class FsSourceTckTest extends DirectorySourceVerification {

  @Override
  protected String uri(Path dir) {
    return "fs:" + dir + "?initial=true";
  }
}
