/** The {@code nats:} / {@code tls:} source and sink (subjects, queue groups, JetStream). */
module io.changeflux.nats {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires io.nats.jnats;
  requires org.slf4j;

  exports io.changeflux.nats;

  provides io.changeflux.spi.ChangeSourceProvider with
      io.changeflux.nats.NatsProvider;
}
