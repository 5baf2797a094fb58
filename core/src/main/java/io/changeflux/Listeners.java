package io.changeflux;

import java.time.Duration;

/** Two {@link SourceListener}s as one (for {@link ChangeSources#observe} given twice). */
final class Listeners {

  private Listeners() {}

  static SourceListener both(SourceListener a, SourceListener b) {
    return new SourceListener() {
      @Override
      public void onHealth(SourceHealth health) {
        a.onHealth(health);
        b.onHealth(health);
      }

      @Override
      public void onReconnect() {
        a.onReconnect();
        b.onReconnect();
      }

      @Override
      public void onRescan(Duration took) {
        a.onRescan(took);
        b.onRescan(took);
      }

      @Override
      public void onAck(long count) {
        a.onAck(count);
        b.onAck(count);
      }

      @Override
      public void onRedelivery(long count) {
        a.onRedelivery(count);
        b.onRedelivery(count);
      }
    };
  }
}
