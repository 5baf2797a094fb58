/** The {@code redis:} / {@code rediss:} source and sink (pub/sub, keyspace notifications, Streams). */
module io.changeflux.redis {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires lettuce.core;
  requires io.netty.common;
  requires io.netty.resolver;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports io.changeflux.redis;

  provides io.changeflux.spi.ChangeSourceProvider with
      io.changeflux.redis.RedisProvider;
}
