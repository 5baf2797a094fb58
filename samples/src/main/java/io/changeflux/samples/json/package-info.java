/**
 * Events as JSON: {@link io.changeflux.samples.json.EventJson}, the format of {@code changeflux
 * watch --json} and of the Spring sample's Server-Sent Events.
 */
@NullMarked
package io.changeflux.samples.json;

import org.jspecify.annotations.NullMarked;
