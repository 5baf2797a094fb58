/**
 * changeflux core: {@link io.changeflux.ChangeEvent}, {@link io.changeflux.ChangeSources} (a URI
 * or properties to a source), the operators ({@link io.changeflux.ChangeOps}), the pipeline, and
 * the backend SPI ({@link io.changeflux.spi.ChangeSourceProvider}), whose implementations are
 * found with {@link java.util.ServiceLoader}. The operators' implementations ({@code
 * io.changeflux.internal}) are not exported; {@code io.changeflux.files.internal} (with the native
 * tree walk, on JNA, an optional dependency) only to the {@code fs:} and {@code poll:} modules.
 */
module io.changeflux.core {
  requires static org.jspecify;
  requires transitive org.reactivestreams;
  requires transitive reactor.core;
  requires org.slf4j;
  // The native tree walk of the file backends (io.changeflux.files.internal.NativeWalk); the fs:
  // and poll: modules require JNA, so it is there whenever they are, and core alone never loads it.
  requires static com.sun.jna;

  exports io.changeflux;
  exports io.changeflux.spi;
  exports io.changeflux.files;
  exports io.changeflux.state;
  // What the two file backends share (the confirm baseline); not API.
  exports io.changeflux.files.internal to
      io.changeflux.fs,
      io.changeflux.poll;

  uses io.changeflux.spi.ChangeSourceProvider;
}
