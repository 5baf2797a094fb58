/**
 * The {@code poll:} backend (directory polling) and value polling ({@link
 * io.changeflux.poll.PollSource}). The tree scanner both file backends share lives in core's
 * {@code io.changeflux.files}; fs polls through {@link io.changeflux.poll.TreePoller}.
 */
module io.changeflux.poll {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires com.sun.jna; // the scan's native walk on Linux (core's NativeWalk)
  requires org.slf4j;

  exports io.changeflux.poll;

  provides io.changeflux.spi.ChangeSourceProvider with
      io.changeflux.poll.PollProvider;
}
