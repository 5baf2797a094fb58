/**
 * changeflux core: {@link io.changeflux.ChangeEvent}, {@link io.changeflux.ChangeSources} (a URI
 * or properties to a source), the operators ({@link io.changeflux.ChangeOps}), the pipeline, and
 * the backend SPI ({@link io.changeflux.spi.ChangeSourceProvider}), whose implementations are
 * found with {@link java.util.ServiceLoader}. The operators' implementations ({@code
 * io.changeflux.internal}) are not exported.
 */
module io.changeflux.core {
  requires static org.jspecify;
  requires transitive org.reactivestreams;
  requires transitive reactor.core;
  requires org.slf4j;

  exports io.changeflux;
  exports io.changeflux.spi;
  exports io.changeflux.files;
  exports io.changeflux.state;

  uses io.changeflux.spi.ChangeSourceProvider;
}
