/**
 * Micrometer meters for changeflux sources ({@link io.changeflux.micrometer.ChangeMetrics}): events
 * by kind, OVERFLOWs by reason, rescans and their duration, reconnects, batch sizes, delivery
 * latency, acknowledgements and redeliveries, and the health state as gauges.
 */
module io.changeflux.micrometer {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires transitive micrometer.core;

  exports io.changeflux.micrometer;
}
