/**
 * The {@code nats:} and {@code tls:} backend: core NATS subscriptions (wildcards, queue groups),
 * JetStream durable pull consumers, and {@link io.changeflux.nats.NatsSink} to publish events.
 * See the module README for options, the envelope, delivery guarantees and reconnect behaviour.
 */
@NullMarked
package io.changeflux.nats;

import org.jspecify.annotations.NullMarked;
