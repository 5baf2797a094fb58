package io.changeflux.spring;

import io.changeflux.ChangeSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * Sources from {@code changeflux.sources.NAME.uri} (plus option keys) as {@link ChangeSource}
 * beans qualified by name ({@code @Qualifier("orders") ChangeSource orders}); with Actuator, a
 * health contributor {@code changeflux} with one indicator per source; with Micrometer, the
 * sources' meters ({@link io.changeflux.micrometer.ChangeMetrics}) on every registry; with the
 * env/configprops endpoints, secrets in those keys sanitised.
 */
// before Actuator's health endpoint: its StatusAggregator backs off for ours (DEGRADED in the order)
@AutoConfiguration(
    beforeName = "org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration")
@ConditionalOnClass(ChangeSource.class)
@EnableConfigurationProperties(ChangefluxProperties.class)
@Import({
  ChangefluxSourceRegistrar.class,
  ChangefluxHealthConfiguration.class,
  ChangefluxMetricsConfiguration.class,
  ChangefluxSanitizingConfiguration.class
})
public class ChangefluxAutoConfiguration {}
