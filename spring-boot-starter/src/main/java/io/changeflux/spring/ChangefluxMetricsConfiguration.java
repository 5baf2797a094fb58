package io.changeflux.spring;

import io.changeflux.micrometer.ChangeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With Micrometer: a {@link MeterBinder} that meters every source ({@link ChangeMetrics}, tag
 * {@code source} = the source's name) on the registry Spring Boot binds it to. Off with {@code
 * changeflux.metrics=false}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnProperty(prefix = "changeflux", name = "metrics", matchIfMissing = true)
class ChangefluxMetricsConfiguration {

  @Bean
  MeterBinder changefluxMeterBinder(ObjectProvider<ManagedChangeSource> sources) {
    return (MeterRegistry registry) ->
        sources.orderedStream().forEach(s -> s.meter(ChangeMetrics.of(registry, s, s.name())));
  }
}
