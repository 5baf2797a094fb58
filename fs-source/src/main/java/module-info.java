/** The {@code fs:} backend: native file-system watching, with polling as the fallback. */
module io.changeflux.fs {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires io.changeflux.poll;
  requires directory.watcher;
  requires com.sun.jna;
  requires org.slf4j;

  exports io.changeflux.fs;

  provides io.changeflux.spi.ChangeSourceProvider with
      io.changeflux.fs.FsProvider;
}
