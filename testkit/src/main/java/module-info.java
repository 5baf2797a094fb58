/**
 * For tests: the {@code mem:} in-memory source ({@link io.changeflux.mem.InMemory}) that users'
 * tests push events into, and {@link io.changeflux.testkit.ChangeSourceTestKit}, the contract
 * every backend's tests run.
 */
module io.changeflux.testkit {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires transitive org.junit.jupiter.api;
  requires org.assertj.core;
  requires awaitility;
  // optional: only HostileStrings uses it, from tests that run on jqwik anyway
  requires static net.jqwik.api;

  exports io.changeflux.mem;
  exports io.changeflux.testkit;

  provides io.changeflux.spi.ChangeSourceProvider with
      io.changeflux.mem.MemProvider;
}
