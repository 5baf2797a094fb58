/**
 * The changeflux Spring Boot starter: {@link io.changeflux.spring.ChangefluxAutoConfiguration}
 * turns {@code changeflux.sources.NAME.uri} (plus option keys) into {@code ChangeSource} beans, with
 * Actuator health, Micrometer metrics and sanitised secrets.
 */
@NullMarked
package io.changeflux.spring;

import org.jspecify.annotations.NullMarked;
