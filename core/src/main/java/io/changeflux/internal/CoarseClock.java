package io.changeflux.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Clock readings for operators that stamp every event (dedup's window, debounce's quiet period)
 * without a clock read per event: {@code System.nanoTime()} costs 25–110 ns on the virtual
 * machines measured, about as much as a whole event through a bare Reactor operator.
 *
 * <p>A daemon thread ({@value #THREAD_NAME}) advances a tick counter every {@link #TICK_NANOS}
 * while readers use it, and stops after a second without readers. Each {@link Reader} (one per
 * subscription, used serially) reads the clock itself for the first {@value #EXACT_PER_TICK}
 * events of each tick and for every {@value #EXACT_EVERY}th event; the other events get its last
 * reading. So a sparse stream gets exact readings, and in a dense one a reading is at most one
 * tick old while the ticker keeps time, and at most {@value #EXACT_EVERY} events old whatever the
 * ticker does (a starved thread). Readings never run ahead of the clock and never go backwards.
 *
 * <p>Only for Reactor's own schedulers, whose {@code now(NANOSECONDS)} is {@code
 * System.nanoTime()}: {@link #reader(Scheduler)} reads any other scheduler (a virtual-time one, a
 * user's) exactly, at every call, so virtual time is honoured to the nanosecond.
 */
public final class CoarseClock {

  /** The ticker's period: 1 ms. */
  public static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Events read exactly at the start of each tick. */
  static final int EXACT_PER_TICK = 4;

  /** Every this many events one is read exactly (a bound that does not depend on the ticker). */
  static final int EXACT_EVERY = 256;

  /** The ticker's name. */
  static final String THREAD_NAME = "changeflux-clock";

  /** Ticks without a reader before the ticker stops: one second. */
  private static final int IDLE_TICKS = 1000;

  private static final CoarseClock SYSTEM = new CoarseClock(System::nanoTime, true);

  private final LongSupplier source;
  private final boolean threaded;
  /** Incremented every tick. */
  private volatile long ticks;
  /** Whether the ticker runs (false: readers read exactly and start it). */
  private volatile boolean ticking;
  /** Set by readers (once per tick at most), cleared by the ticker. */
  private volatile boolean used;

  private final Object lock = new Object();

  /** A clock reading {@code source}; with {@code threaded}, a daemon ticker advances it. */
  CoarseClock(LongSupplier source, boolean threaded) {
    this.source = source;
    this.threaded = threaded;
  }

  /**
   * A reader of {@code scheduler}'s time in nanoseconds: coarse for Reactor's own schedulers
   * (whose clock is {@code System.nanoTime()}), exact for every other.
   */
  public static Reader reader(Scheduler scheduler) {
    if (coarse(scheduler)) {
      return SYSTEM.reader();
    }
    return new Reader(null, () -> scheduler.now(TimeUnit.NANOSECONDS));
  }

  /** A coarse reader of this clock. */
  Reader reader() {
    return new Reader(this, source);
  }

  /** Whether {@code scheduler}'s readers are coarse (then debounce allows one tick of slack). */
  public static boolean coarse(Scheduler scheduler) {
    Scheduler s = scheduler;
    // Schedulers.parallel() and its kin hand out a cache wrapper around what the factory made:
    // under StepVerifier.withVirtualTime that is a virtual-time scheduler.
    for (int i = 0; i < 4 && s.getClass().getName().equals(CACHED) && s instanceof Supplier; i++) {
      Object inner = ((Supplier<?>) s).get();
      if (!(inner instanceof Scheduler)) {
        return false;
      }
      s = (Scheduler) inner;
    }
    return s.getClass().getName().startsWith("reactor.core.scheduler.")
        && !s.getClass().getName().equals(CACHED);
  }

  /** Reactor's wrapper of the schedulers {@code Schedulers} caches. */
  private static final String CACHED = "reactor.core.scheduler.Schedulers$CachedScheduler";

  /** One tick: what the ticker thread does every {@link #TICK_NANOS}; false once it went idle. */
  boolean tick() {
    ticks++; // only the ticker writes it
    if (used) {
      used = false;
      idle = 0;
      return true;
    }
    if (++idle < IDLE_TICKS) {
      return true;
    }
    synchronized (lock) {
      if (used) {
        used = false;
        idle = 0;
        return true;
      }
      ticking = false;
      return false;
    }
  }

  private int idle;

  /** Starts the ticker when it is not running (a reader found it stopped). */
  void start() {
    if (!threaded) {
      ticking = true;
      return;
    }
    synchronized (lock) {
      if (ticking) {
        return;
      }
      ticking = true;
      idle = 0;
      Thread t = new Thread(this::run, THREAD_NAME);
      t.setDaemon(true);
      t.start();
    }
  }

  private void run() {
    do {
      LockSupport.parkNanos(TICK_NANOS);
    } while (tick());
  }

  /** Whether the ticker runs now (for tests). */
  boolean ticking() {
    return ticking;
  }

  /**
   * One subscription's readings (used serially, by one thread at a time, as Reactive Streams'
   * {@code onNext} is).
   */
  public static final class Reader {
    private final @Nullable CoarseClock clock;
    private final LongSupplier source;
    private long seenTick = -1;
    private int inTick;
    private int count;
    private long last = Long.MIN_VALUE;

    Reader(@Nullable CoarseClock clock, LongSupplier source) {
      this.clock = clock;
      this.source = source;
    }

    /** The time now, in nanoseconds (coarse as the class says, or exact). */
    public long now() {
      CoarseClock c = clock;
      if (c == null) {
        return source.getAsLong();
      }
      if (!c.ticking) {
        c.start();
        return exact();
      }
      if (!c.used) {
        c.used = true;
      }
      long t = c.ticks;
      if (t != seenTick) {
        seenTick = t;
        inTick = 0;
      }
      if (++inTick <= EXACT_PER_TICK || ++count >= EXACT_EVERY) {
        return exact();
      }
      return last;
    }

    /** A reading of the clock itself (never below the last one). */
    public long exact() {
      count = 0;
      long t = source.getAsLong();
      if (t - last > 0 || last == Long.MIN_VALUE) {
        last = t;
      }
      return last;
    }
  }
}
