package io.changeflux.mem;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * In-memory channels behind the {@code mem:NAME} scheme, for users' own tests: code under test
 * opens {@code ChangeSources.open("mem:orders")}, and the test pushes events with {@code
 * InMemory.channel("orders").emit(...)}. The model is SmallRye's in-memory connector.
 */
public final class InMemory {

  private static final ConcurrentMap<String, InMemoryChannel> CHANNELS = new ConcurrentHashMap<>();

  private InMemory() {}

  /**
   * The channel of that name, made on first use.
   *
   * @param name the channel name, as in {@code mem:NAME}
   * @return the channel, shared by every source of that name until {@link #clear()}
   */
  public static InMemoryChannel channel(String name) {
    return CHANNELS.computeIfAbsent(name, InMemoryChannel::new);
  }

  /** Forgets every channel (between tests); their current subscribers are completed. */
  public static void clear() {
    CHANNELS.values().forEach(InMemoryChannel::complete);
    CHANNELS.clear();
  }
}
