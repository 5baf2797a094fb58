package io.changeflux.samples.run;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an action on waves of changes, never two at once: changes that arrive while a wave runs
 * accumulate — one entry per key, merged by core's table (CREATED then MODIFIED is CREATED, CREATED
 * then DELETED cancels out, DELETED then CREATED is MODIFIED, ...), at most {@code maxKeys} keys (past that, the
 * next wave is marked {@linkplain Wave#overflow() overflowed}: "rescan everything") — into the next
 * wave. {@link #offer} never blocks; the action runs on one dedicated thread.
 */
public final class WaveRunner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WaveRunner.class);

  /** One wave: the changes since the previous wave started. */
  public static final class Wave {
    private final List<ChangeEvent> events;
    private final boolean overflow;
    private final long number;

    Wave(long number, List<ChangeEvent> events, boolean overflow) {
      this.number = number;
      this.events = List.copyOf(events);
      this.overflow = overflow;
    }

    /** The changes, one per key, in order of first arrival. */
    public List<ChangeEvent> events() {
      return events;
    }

    /** Whether changes were lost (an OVERFLOW arrived, or more than maxKeys keys changed): treat everything as changed. */
    public boolean overflow() {
      return overflow;
    }

    /** 1 for the first wave, then 2, 3, ... */
    public long number() {
      return number;
    }

    /** The changed keys. */
    public List<String> keys() {
      List<String> keys = new ArrayList<>(events.size());
      events.forEach(e -> keys.add(e.key()));
      return keys;
    }
  }

  private final int maxKeys;
  private final Consumer<Wave> action;
  private final Map<String, ChangeEvent> pending = new LinkedHashMap<>();
  private boolean overflow;
  private boolean forced;
  private boolean closed;
  private long waves;
  private final Thread worker;

  /** A runner with its worker thread started. */
  public WaveRunner(String name, int maxKeys, Consumer<Wave> action) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1");
    }
    this.maxKeys = maxKeys;
    this.action = action;
    this.worker = new Thread(this::loop, name);
    worker.setDaemon(true);
    worker.start();
  }

  /** Adds changes to the next wave. */
  public void offer(Collection<ChangeEvent> events) {
    synchronized (pending) {
      for (ChangeEvent e : events) {
        if (e.kind() == ChangeKind.OVERFLOW) {
          overflow = true;
          continue;
        }
        if (!pending.containsKey(e.key()) && pending.size() >= maxKeys) {
          overflow = true;
          pending.clear();
        }
        pending.merge(e.key(), e, WaveRunner::merge);
      }
      pending.notifyAll();
    }
  }

  /** Core's merge table; a pair that cancels out is acknowledged, as the batching operators do. */
  private static ChangeEvent merge(ChangeEvent earlier, ChangeEvent later) {
    ChangeEvent merged = ChangeOps.merge(earlier, later).orElse(null);
    if (merged == null) {
      earlier.ack();
      later.ack();
    }
    return merged;
  }

  /** Runs a wave that treats everything as changed (an empty, overflowed wave), as soon as the current one ends. */
  public void force() {
    synchronized (pending) {
      forced = true;
      pending.notifyAll();
    }
  }

  /** How many waves have started. */
  public long waves() {
    synchronized (pending) {
      return waves;
    }
  }

  private void loop() {
    while (true) {
      Wave wave;
      synchronized (pending) {
        while (!closed && pending.isEmpty() && !overflow && !forced) {
          try {
            pending.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        wave = new Wave(++waves, new ArrayList<>(pending.values()), overflow || forced);
        pending.clear();
        overflow = false;
        forced = false;
      }
      try {
        action.accept(wave);
      } catch (RuntimeException e) {
        log.warn("wave {} failed: {}", wave.number(), e.toString());
      }
    }
  }

  @Override
  public void close() {
    synchronized (pending) {
      closed = true;
      pending.notifyAll();
    }
    worker.interrupt();
  }
}
