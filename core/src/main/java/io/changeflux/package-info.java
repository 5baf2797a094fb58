/**
 * changeflux: every source of "something changed" as one {@link reactor.core.publisher.Flux} of
 * {@link io.changeflux.ChangeEvent}.
 *
 * <p>Open a source with {@link io.changeflux.ChangeSources#open(String)}; shape its events with
 * {@link io.changeflux.ChangeOps}; publish them to a broker with {@link
 * io.changeflux.ChangeSinks#open(String)}.
 */
@NullMarked
package io.changeflux;

import org.jspecify.annotations.NullMarked;
