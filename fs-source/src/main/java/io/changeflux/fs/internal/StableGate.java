package io.changeflux.fs.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code stable=DURATION}: holds a file's CREATED or MODIFIED until its size and modification time
 * have not changed for the duration, so that a file still being written (a large copy, a slow
 * producer) is reported once, when it is complete. Per key, in arrival order, held events merge by
 * the merge table: CREATED then DELETED while held yields nothing, MODIFIED then DELETED yields
 * the DELETED. DELETED and OVERFLOW pass at once. State is bounded: past {@code maxHeld} files,
 * the longest-held one is released as it is (with a warning, once).
 *
 * <p>Held files are looked at on this gate's own thread ({@code changeflux-fs-stable-N}), every
 * fifth of the duration (at least every 10 ms, at most every 250 ms).
 */
public final class StableGate implements Consumer<ChangeEvent> {

  private static final Logger log = LoggerFactory.getLogger(StableGate.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private static final class Held {
    ChangeEvent event;
    long size;
    long mtime;
    long since;

    Held(ChangeEvent event, long size, long mtime, long since) {
      this.event = event;
      this.size = size;
      this.mtime = mtime;
      this.since = since;
    }
  }

  private final long stableNanos;
  private final Consumer<ChangeEvent> out;
  private final int maxHeld;
  private final String source;
  private final LinkedHashMap<String, Held> held = new LinkedHashMap<>();
  private final ScheduledExecutorService timer;
  private boolean warnedFull;

  /**
   * A gate that releases to {@code out}, holding at most {@code maxHeld} files; its thread runs
   * until {@link #cancel()}.
   */
  public static StableGate create(
      Duration stable, Consumer<ChangeEvent> out, int maxHeld, String source) {
    return new StableGate(stable, out, maxHeld, source);
  }

  private StableGate(Duration stable, Consumer<ChangeEvent> out, int maxHeld, String source) {
    this.stableNanos = stable.toNanos();
    this.out = out;
    this.maxHeld = Math.max(1, maxHeld);
    this.source = source;
    int id = IDS.incrementAndGet();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "changeflux-fs-stable-" + id);
              t.setDaemon(true);
              return t;
            });
    long tick = Math.min(250, Math.max(10, stable.toMillis() / 5));
    timer.scheduleWithFixedDelay(this::check, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** Takes one event from the watch: held, merged, or passed on. */
  @Override
  public void accept(ChangeEvent e) {
    List<ChangeEvent> release = new ArrayList<>(1);
    synchronized (this) {
      if ((e.kind() == ChangeKind.CREATED || e.kind() == ChangeKind.MODIFIED) && e.path().isPresent()) {
        Held h = held.get(e.key());
        long[] st = stat(e.path().get());
        long now = System.nanoTime();
        if (h == null) {
          held.put(e.key(), new Held(e, st[0], st[1], now));
          if (held.size() > maxHeld) {
            Iterator<Map.Entry<String, Held>> it = held.entrySet().iterator();
            release.add(it.next().getValue().event);
            it.remove();
            if (!warnedFull) {
              warnedFull = true;
              log.warn(
                  "{}: more than {} files still being written; releasing the longest-held ones unfinished",
                  source,
                  maxHeld);
            }
          }
        } else {
          ChangeKind kind = h.event.kind() == ChangeKind.CREATED ? ChangeKind.CREATED : ChangeKind.MODIFIED;
          h.event = io.changeflux.ChangeOps.merge(h.event, e).orElseThrow().toBuilder().kind(kind).build();
          if (st[0] != h.size || st[1] != h.mtime) {
            h.size = st[0];
            h.mtime = st[1];
            h.since = now;
          }
        }
      } else if (e.kind() == ChangeKind.DELETED) {
        Held h = held.remove(e.key());
        if (h == null || h.event.kind() != ChangeKind.CREATED) {
          release.add(e); // MODIFIED + DELETED → DELETED
        } // CREATED + DELETED → nothing
      } else {
        release.add(e);
      }
    }
    for (ChangeEvent r : release) {
      out.accept(r);
    }
  }

  /**
   * The writer of {@code key} closed it ({@code IN_CLOSE_WRITE}, native engine): a held event for
   * it is released now, without waiting for its size and mtime to settle.
   */
  public void closed(String key) {
    Held h;
    synchronized (this) {
      h = held.remove(key);
    }
    if (h != null) {
      out.accept(h.event);
    }
  }

  private void check() {
    List<ChangeEvent> release = new ArrayList<>();
    try {
      synchronized (this) {
        long now = System.nanoTime();
        for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
          Held h = it.next();
          long[] st = stat(h.event.path().get());
          if (st[0] < 0) {
            // Gone: its DELETED is on its way and resolves the pair; forget it if it never comes.
            if (now - h.since >= 10 * stableNanos) {
              it.remove();
            }
          } else if (st[0] != h.size || st[1] != h.mtime) {
            h.size = st[0];
            h.mtime = st[1];
            h.since = now;
          } else if (now - h.since >= stableNanos) {
            it.remove();
            release.add(h.event);
          }
        }
      }
      for (ChangeEvent r : release) {
        out.accept(r);
      }
    } catch (RuntimeException e) {
      log.warn("{}: checking files still being written: {}", source, e.toString());
    }
  }

  /** Size and mtime (nanoseconds) of what the path leads to (a dangling link: itself); {-1, -1} when gone. */
  private static long[] stat(Path p) {
    try {
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class);
      } catch (IOException dangling) {
        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      }
      return new long[] {a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)};
    } catch (IOException e) {
      return new long[] {-1, -1};
    }
  }

  /** Stops the gate's thread; held events are dropped. */
  public void cancel() {
    timer.shutdownNow();
  }
}
