/**
 * The {@code redis:} and {@code rediss:} backend on Lettuce: pub/sub channels and patterns,
 * keyspace notifications and Streams with consumer groups as a source, and {@link
 * io.changeflux.redis.RedisSink} to publish. Found through {@link io.changeflux.redis.RedisProvider}.
 */
@NullMarked
package io.changeflux.redis;

import org.jspecify.annotations.NullMarked;
