package io.changeflux.state;

import org.jspecify.annotations.Nullable;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.SourceOptions;
import io.changeflux.internal.StateCodec;
import io.changeflux.internal.StateEntries;
import io.changeflux.files.FileState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription's state file: what was delivered <em>and acknowledged</em>, key by key, kept
 * crash-safe on disk.
 *
 * <p>A source opens it at subscription ({@link Spec#open}), compares {@link #loaded()} with what
 * it finds now and emits the differences, and passes every event it emits through {@link
 * #track}, which attaches an acknowledgement handle: when the event is acknowledged (by the
 * pipeline after {@code onNext} with {@code ack=auto}, by the consumer with {@code ack=manual}),
 * the key's entry advances to what the event reported. A handle of an older event acknowledged
 * after a newer one for the same key changes nothing.
 *
 * <p>Keys handed downstream and not acknowledged yet are <em>pending</em>: each is appended to
 * {@code FILE.emitted} (a plain write, before the event leaves: it survives a SIGKILL of the
 * process) and written into every checkpoint. On a restart, a pending key is always reported again
 * — MODIFIED if it is still there unchanged, DELETED if it is gone even though it was never
 * acknowledged as there — so a consumer that saw an event and died before acknowledging it still
 * learns what became of that file ({@link #pending()}).
 *
 * <p>Writes are batched: a dedicated daemon thread writes the state at most once per checkpoint
 * interval when anything changed (skipping its turns while a source {@linkplain #hold() holds} it,
 * as {@code fs:} does while it reports what changed while stopped), and {@link #close()} writes it
 * a last time. The entries loaded are kept as they were decoded (sorted columns) and shared, and
 * what is acknowledged afterwards is merged into them at each checkpoint in one linear pass. Each
 * write goes to
 * {@code FILE.tmp}, is forced to the disk, and renamed over {@code FILE} atomically (then the
 * directory is forced), so a SIGKILL at any instant leaves the previous or the new file, whole.
 *
 * <p>A file that is not a state file, has another format version, is damaged or truncated, or was
 * written for another root is never trusted: with {@code stateMismatch=rescan} (the default) one
 * WARN names the file and the reason, {@link #status()} is {@link Status#DISCARDED} (the source then
 * emits one OVERFLOW and reports everything against an empty state); with {@code fail}, the
 * first accessor throws a {@link ChangeSourceException} naming the file.
 */
public final class StateStore implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StateStore.class);

  /** What was found at start. */
  public enum Status {
    /** No state file yet: a first start. */
    NEW,
    /** The state file loaded: {@link #loaded()} is what was acknowledged before. */
    RESUMED,
    /** The state file was foreign or damaged and is ignored (a warning was logged). */
    DISCARDED
  }

  /**
   * The validated state options of one source.
   *
   * @param file the state file (absolute)
   * @param checkpoint the checkpoint interval
   * @param failOnMismatch {@code stateMismatch=fail}
   * @param manualAck {@code ack=manual}
   * @param source the redacted source URI (for messages)
   */
  public record Spec(Path file, Duration checkpoint, boolean failOnMismatch, boolean manualAck, String source) {

    /**
     * Opens the state of a {@code kind} source with the given root identity. The file is loaded on
     * the store's own thread, so the source can arm its watch meanwhile; the first call of any
     * accessor ({@link #status()}, {@link #loaded()}, {@link #track}, ...) waits for it and throws
     * a {@link ChangeSourceException} with {@code stateMismatch=fail} when the file is foreign or
     * damaged.
     *
     * @param kind the source kind written into the file (such as {@code fs}); a file of another
     *     kind is foreign
     * @param root the identity of what is watched (such as the absolute root); a file of another
     *     root is foreign
     * @return the store; thread-safe
     */
    public StateStore open(String kind, String root) {
      return new StateStore(this, kind, root);
    }

    /**
     * Refuses this spec when its file lies inside the watched {@code root} of a file-tree source:
     * its own checkpoints (the file, its journal and temp files beside it) would be changes to
     * watch, a checkpoint at each of them. Both spellings are compared: as given (normalized) and
     * with links resolved where the directories exist.
     *
     * @param root the watched root of the source
     * @throws ChangeSourceException naming the option {@code state} (the message carries the
     *     redacted source, never a secret)
     */
    public void refuseInside(Path root) {
      Path dir = file.getParent();
      boolean inside = file.startsWith(root.toAbsolutePath().normalize());
      if (!inside && dir != null) {
        try {
          inside = dir.toRealPath().startsWith(root.toRealPath());
        } catch (IOException | RuntimeException unresolved) {
          // a root that does not exist yet (awaitRoot): the normalized comparison stands
        }
      }
      if (inside) {
        Path name = root.toAbsolutePath().normalize().getFileName();
        throw new ChangeSourceException(
            source + ": option 'state' names a file inside the watched root (each checkpoint would"
                + " be a change to report); put it outside, e.g. state=../"
                + (name == null ? "root" : name) + ".state",
            "state",
            null);
      }
    }
  }

  /**
   * The state options of {@code options}, validated, or null when {@code state} is not set.
   *
   * @throws ChangeSourceException naming the option when a value is bad (a checkpoint below 10ms,
   *     a state file in a directory that does not exist, or a directory)
   * @param options the source's validated options
   * @return the spec, or null
   */
  public static @Nullable Spec spec(SourceOptions options) {
    String state = options.get(StateOptions.STATE);
    Duration checkpoint = options.require(StateOptions.CHECKPOINT);
    boolean fail = "fail".equals(options.get(StateOptions.STATE_MISMATCH));
    boolean manual = "manual".equals(options.get(StateOptions.ACK));
    if (checkpoint.compareTo(StateOptions.MIN_CHECKPOINT) < 0) {
      throw bad(options, "checkpoint", "must be at least 10ms");
    }
    if (state == null) {
      return null;
    }
    if (state.isBlank()) {
      throw bad(options, "state", "must name a file");
    }
    Path file;
    try {
      file = Path.of(state).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw bad(options, "state", "is not a path: " + e.getReason());
    }
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw bad(options, "state", "names a file in a directory that does not exist (" + dir + ")");
    }
    if (Files.isDirectory(file)) {
      throw bad(options, "state", "is a directory; name a file");
    }
    return new Spec(file, checkpoint, fail, manual, options.redacted());
  }

  private static ChangeSourceException bad(SourceOptions options, String key, String why) {
    String v = options.value(key).orElse("");
    return new ChangeSourceException(
        options.redacted() + ": option '" + key + "' = '" + v + "' " + why, key, null);
  }

  private final Spec spec;
  private final String kind;
  private final String root;
  // status, loaded and pendingAtStart are set by the loading task before `ready`; every reader
  // waits for `ready` first.
  @SuppressWarnings("NullAway.Init")
  private volatile Status status;
  private volatile @Nullable String problem;
  @SuppressWarnings("NullAway.Init")
  private volatile SortedMap<String, StateEntry> loaded;
  @SuppressWarnings("NullAway.Init")
  private volatile java.util.SortedSet<String> pendingAtStart;
  /** The last hand-out of each pending key, where the journal recorded it (set with {@link #pendingAtStart}). */
  @SuppressWarnings("NullAway.Init")
  private volatile Map<String, HandOut> handedOutAtStart;
  private final java.util.concurrent.Future<?> loading;
  /** Set once the file was loaded (after every field above), and, on a first start, written. */
  private volatile boolean ready;
  /** Set once the file was read: from then on it may be written. */
  private volatile boolean readable;
  /** Guarded by {@link #lock}: keys pending from the last run, until an event of theirs is acknowledged. */
  private final java.util.Set<String> pendingLoaded = new java.util.HashSet<>();
  /** Guarded by {@link #lock}: keys handed out, with the sequence of the latest, until acknowledged. */
  private final Map<String, Long> emitted = new java.util.HashMap<>();
  /**
   * Guarded by {@link #lock}: the last hand-out of each key of {@link #emitted} and {@link
   * #pendingLoaded} (where known), journaled again at each rotation so that it outlives a checkpoint.
   */
  private final Map<String, HandOut> handOuts = new java.util.HashMap<>();
  /** Guarded by {@link #lock}: the journal of keys handed out since the last rotation. */
  private @Nullable FileChannel journal;
  /** Guarded by {@link #lock}: keys were journaled since the last rotation. */
  private boolean journaled;
  private final Path journalFile;
  private final Path oldJournalFile;
  private final Object lock = new Object();
  /**
   * Guarded by {@link #lock}: the acknowledged entries as of the last checkpoint (at start, the
   * file's entries as loaded); immutable, replaced at each checkpoint by itself merged with {@link
   * #changes}.
   */
  private StateEntries acked = StateEntries.EMPTY;
  /**
   * Guarded by {@link #lock}: what was acknowledged since {@link #acked} (an entry, or {@link
   * StateEntries#GONE} for a key removed), merged into it at the next checkpoint: a checkpoint copies
   * no map and compares no key but the changed ones.
   */
  private final TreeMap<String, StateEntry> changes = new TreeMap<>();
  /**
   * Guarded by {@link #lock}: the sequence of the last event acknowledged per key (a deleted key's
   * until the next write), so that an older event acknowledged after a newer one changes nothing.
   */
  private final Map<String, Long> seqs = new java.util.HashMap<>();
  private boolean dirty;
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();
  private volatile long lastBytes;
  private volatile boolean closed;
  /** {@link #hold()}: the periodic checkpoint skips its turns. */
  private volatile boolean held;
  private boolean warnedWrite;
  private final ScheduledExecutorService writer;

  private StateStore(Spec spec, String kind, String root) {
    this.spec = spec;
    this.kind = kind;
    this.root = root;
    this.journalFile = spec.file().resolveSibling(spec.file().getFileName() + ".emitted");
    this.oldJournalFile = spec.file().resolveSibling(spec.file().getFileName() + ".emitted.old");
    this.writer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "changeflux-state");
              t.setDaemon(true);
              return t;
            });
    // Loaded on the store's own thread, while the source arms its watch (registering a big tree
    // and decoding its state file overlap); every accessor waits for it.
    this.loading = writer.submit(this::load);
  }

  private void load() {
    Status st;
    String why = null;
    StateEntries entries = StateEntries.EMPTY;
    java.util.TreeSet<String> pending = new java.util.TreeSet<>();
    Map<String, HandOut> versions = new java.util.HashMap<>();
    try {
      byte[] bytes = Files.readAllBytes(spec.file());
      StateCodec.Decoded d = StateCodec.decodeAll(bytes, kind, root);
      entries = d.entries();
      pending.addAll(d.pending());
      readJournal(oldJournalFile, pending, versions);
      readJournal(journalFile, pending, versions);
      st = Status.RESUMED;
    } catch (NoSuchFileException e) {
      st = Status.NEW;
    } catch (IOException e) {
      if (closed || Thread.currentThread().isInterrupted() || e instanceof java.nio.channels.ClosedByInterruptException) {
        // Cancelled while reading: the file was not judged, so it is never written over.
        throw new ChangeSourceException(spec.source() + ": cancelled while reading state file " + spec.file(), "state", e);
      }
      st = Status.DISCARDED;
      why = "cannot be read (" + e.getClass().getSimpleName() + ")";
    } catch (StateCodec.Rejected e) {
      st = Status.DISCARDED;
      why = e.getMessage();
    }
    if (st == Status.DISCARDED) {
      if (spec.failOnMismatch()) {
        throw new ChangeSourceException(
            spec.source() + ": state file " + spec.file() + " " + why + " (stateMismatch=rescan would start over)",
            "state",
            null);
      }
      log.warn(
          "{}: state file {} {}; ignoring it and reporting everything again (stateMismatch=fail makes this an error)",
          spec.source(),
          spec.file(),
          why);
    }
    this.status = st;
    this.problem = why;
    this.loaded = entries;
    if (st != Status.RESUMED) {
      pending.clear(); // a discarded file's journal is not trusted either
      versions.clear();
    }
    this.pendingAtStart = Collections.unmodifiableSortedSet(pending);
    this.handedOutAtStart = Map.copyOf(versions);
    synchronized (lock) {
      pendingLoaded.addAll(pending);
      handOuts.putAll(versions);
      try {
        this.journal = openJournal();
        if (Files.exists(oldJournalFile)) {
          // the last checkpoint did not complete: what only the old journal knows (keys, versions)
          // goes into the journal before the old one goes
          rejournal();
          Files.deleteIfExists(oldJournalFile);
        }
      } catch (IOException e) {
        throw new ChangeSourceException(
            spec.source() + ": cannot write beside state file " + spec.file() + ": " + e.getMessage(), "state", e);
      }
      acked = entries; // immutable: shared with `loaded`, nothing copied
      // A first start, or a discarded file: written at once (empty), so that a crash before the
      // first checkpoint leaves a state to resume from, and a restart does not warn again.
      dirty = st != Status.RESUMED;
    }
    if (closed) {
      throw new ChangeSourceException(spec.source() + ": closed while loading state file " + spec.file(), "state", null);
    }
    readable = true;
    if (st != Status.RESUMED) {
      checkpointQuietly();
    }
    ready = true;
    long every = spec.checkpoint().toNanos();
    writer.scheduleWithFixedDelay(this::periodic, every, every, TimeUnit.NANOSECONDS);
  }

  /** The checkpoint thread's tick: a checkpoint unless {@linkplain #hold() held}. */
  private void periodic() {
    if (!held) {
      checkpointQuietly();
    }
  }

  /**
   * Holds the periodic checkpoint while the source reports what changed while it was stopped, until
   * {@link #release()}. A checkpoint writes the whole state; the first one of a resume would
   * otherwise fall in that report (or in the walk of a big tree) and compete with it for the CPU,
   * delaying the last change of the report. Meanwhile every key handed out is journaled as always
   * ({@link #track}), so a kill during the hold loses nothing a kill before a checkpoint does not:
   * what was not written is reported again. {@link #checkpoint()} and {@link #close()} write
   * regardless.
   */
  public void hold() {
    held = true;
  }

  /**
   * Ends {@link #hold()}: the next periodic checkpoint, at most one interval later, writes what was
   * acknowledged meanwhile.
   */
  public void release() {
    held = false;
  }

  /**
   * Waits until the file was loaded.
   *
   * @throws ChangeSourceException when it was foreign or damaged and {@code stateMismatch=fail}, or
   *     cannot be used
   */
  private void awaitLoaded() {
    if (ready) {
      return;
    }
    try {
      loading.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof ChangeSourceException c) {
        throw c;
      }
      throw new ChangeSourceException(spec.source() + ": cannot load state file " + spec.file() + ": " + e.getCause(), "state", e.getCause());
    } catch (InterruptedException | java.util.concurrent.CancellationException e) {
      Thread.currentThread().interrupt();
      throw new ChangeSourceException(spec.source() + ": interrupted while loading state file " + spec.file(), "state", e);
    }
  }

  private FileChannel openJournal() throws IOException {
    return FileChannel.open(
        journalFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  /**
   * What one hand-out of a key was: its kind and the version (size, modification time) of the file
   * it reported (for a DELETED, of the file that went: the version the event carried, from which
   * its idempotency key was made).
   */
  private record HandOut(ChangeKind kind, long size, long mtimeNanos) {

    static HandOut of(ChangeKind kind, @Nullable StateEntry entry) {
      return entry == null ? new HandOut(kind, 0, 0) : new HandOut(kind, entry.size(), entry.mtimeNanos());
    }

    /** The journal's text after the key's NUL: {@code K SIZE MTIME}, K the kind's initial (C, M, D). */
    String text() {
      return kind.name().charAt(0) + " " + size + " " + mtimeNanos;
    }

    /** The hand-out of a journal line's text after the NUL, or null when it is not one. */
    static @Nullable HandOut parse(String t) {
      String[] f = t.split(" ", -1);
      if (f.length != 3) {
        return null;
      }
      ChangeKind k =
          f[0].equals("D") ? ChangeKind.DELETED : f[0].equals("C") ? ChangeKind.CREATED : f[0].equals("M") ? ChangeKind.MODIFIED : null;
      try {
        return k == null ? null : new HandOut(k, Long.parseLong(f[1]), Long.parseLong(f[2]));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /**
   * Adds the complete lines of a journal of keys handed out (a torn last line is ignored) to
   * {@code into}, and the hand-out each line records to {@code versions} (a later line wins; a line
   * with the key alone, as journals before versions were written, makes the hand-out unknown).
   */
  private static void readJournal(Path file, java.util.Set<String> into, Map<String, HandOut> versions) throws IOException {
    byte[] b;
    try {
      b = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return;
    }
    int start = 0;
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\n') {
        String line = new String(b, start, i - start, java.nio.charset.StandardCharsets.UTF_8);
        int nul = line.indexOf('\0'); // never in an escaped key: the separator of the hand-out
        String key = unescape(nul < 0 ? line : line.substring(0, nul));
        HandOut h = nul < 0 ? null : HandOut.parse(line.substring(nul + 1));
        into.add(key);
        if (h == null) {
          versions.remove(key);
        } else {
          versions.put(key, h);
        }
        start = i + 1;
      }
    }
  }

  /** The journal line of one hand-out of {@code key} ({@code h} null: the key alone). */
  private static byte[] journalLine(String key, @Nullable HandOut h) {
    String line = h == null ? escape(key) + "\n" : escape(key) + "\0" + h.text() + "\n";
    return line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Under the lock: appends {@code line} to the journal (a failure is logged once). */
  private void append(byte[] line) {
    FileChannel j = journal;
    if (j == null) {
      return;
    }
    try {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        j.write(buf);
      }
    } catch (IOException ex) {
      if (!warnedWrite) {
        warnedWrite = true;
        log.warn("{}: cannot append to {}: {}", spec.source(), journalFile, ex.toString());
      }
    }
  }

  /**
   * Under the lock: journals every key handed out and not acknowledged again, with its last
   * hand-out where known, so that a new journal knows what the one it replaces knew.
   */
  private void rejournal() {
    java.util.Set<String> keys = new java.util.HashSet<>(pendingLoaded);
    keys.addAll(emitted.keySet());
    for (String key : keys) {
      append(journalLine(key, handOuts.get(key)));
    }
  }

  private static String escape(String key) {
    return key.indexOf('\\') < 0 && key.indexOf('\n') < 0 && key.indexOf('\0') < 0
        ? key
        : key.replace("\\", "\\\\").replace("\n", "\\n").replace("\0", "\\0");
  }

  private static String unescape(String line) {
    if (line.indexOf('\\') < 0) {
      return line;
    }
    StringBuilder sb = new StringBuilder(line.length());
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        char n = line.charAt(++i);
        sb.append(n == 'n' ? '\n' : n == '0' ? '\0' : n);
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * The keys that were handed downstream in the last run and never acknowledged: the source
   * reports each again at start (MODIFIED when unchanged on disk, DELETED when gone even if it was
   * never acknowledged as there). Empty unless {@link Status#RESUMED}.
   *
   * @return the pending keys, sorted and unmodifiable
   */
  public java.util.SortedSet<String> pending() {
    awaitLoaded();
    return pendingAtStart;
  }

  /**
   * The state {@code key} resumes from at {@code path}: the one rule for every source that
   * resumes, so that fs and poll cannot drift. A key acknowledged at its last hand-out resumes from
   * its stored entry. A key handed out after its last acknowledgement ({@link #pending()}) may have
   * had newer versions that the far side saw (re-created, deleted, re-created): its stored version
   * is stale, and a DELETED carrying it would get the idempotency key of an earlier deletion of the
   * same file and be dropped as its duplicate; so it resumes from the version of its <em>last hand-out</em>, which the journal keeps: what
   * the far side may have last. Gone now, it is reported DELETED with that version: the same
   * idempotency key as the DELETED handed out before (confirmed by a broker, the process killed
   * before the acknowledgement reached the state file: the broker's duplicate window drops it),
   * or, after a CREATED or MODIFIED handed out, the key a live DELETED of that version would have
   * had (so a restart that reports it again gets the same one again). The same holds for a
   * pending key with no stored entry (created and handed out, never acknowledged). A hand-out the
   * journal does not know (a journal written before versions were kept) resumes from no version
   * (size 0, time 0): a DELETED of it has an idempotency key of its own.
   *
   * @param key the key to resume
   * @param path the file the key names
   * @return the state to compare the scan with and to report a DELETED of {@code key} with
   */
  public FileState resumeState(String key, Path path) {
    if (pending().contains(key)) {
      HandOut last = handedOutAtStart.get(key);
      return last == null ? new FileState(path, 0, 0) : new FileState(path, last.size(), last.mtimeNanos());
    }
    StateEntry e = loaded().get(key);
    return e == null ? new FileState(path, 0, 0) : e.toFileState(path);
  }

  /**
   * What was found at start.
   *
   * @return the status; waits for the file to be loaded
   */
  public Status status() {
    awaitLoaded();
    return status;
  }

  /**
   * Why the file was discarded ({@link Status#DISCARDED}), else null.
   *
   * @return a one-line reason without secrets, or null
   */
  public @Nullable String problem() {
    awaitLoaded();
    return problem;
  }

  /**
   * The options this store was opened with.
   *
   * @return the spec; never null
   */
  public Spec spec() {
    return spec;
  }

  /**
   * The entries loaded at start ({@link Status#RESUMED}), else empty; by key.
   *
   * @return the loaded entries, sorted; do not change them
   */
  public SortedMap<String, StateEntry> loaded() {
    awaitLoaded();
    return loaded;
  }

  /**
   * Takes {@code entries} as acknowledged without delivering them: the baseline of a first start
   * (the files that were there before anyone watched, reported only with {@code initial}).
   *
   * @param entries the state of every key at start; copied, and written at once
   */
  public void baseline(Map<String, StateEntry> entries) {
    awaitLoaded();
    synchronized (lock) {
      acked = StateEntries.copyOf(entries);
      changes.clear();
      seqs.clear();
      dirty = true;
    }
    checkpointQuietly(); // at once: a crash before the first checkpoint must not lose the baseline
  }

  /**
   * {@code e} with an acknowledgement handle that advances {@code e.key()} to {@code entry}
   * (CREATED, MODIFIED) or removes it (DELETED). OVERFLOW events are returned as they are.
   *
   * @param e the event about to be handed downstream
   * @param entry the state the key has once {@code e} is acknowledged; for a DELETED, the state
   *     the key had (the version the event carries); journaled either way, so that a resume reports
   *     the key, still pending, with this version ({@link #resumeState}); null for none
   * @return a copy of {@code e} carrying the handle, or {@code e} itself for OVERFLOW
   */
  public ChangeEvent track(ChangeEvent e, @Nullable StateEntry entry) {
    awaitLoaded();
    if (e.kind() == ChangeKind.OVERFLOW) {
      return e;
    }
    String key = e.key();
    StateEntry value = e.kind() == ChangeKind.DELETED ? null : entry;
    long s;
    boolean redelivered;
    synchronized (lock) {
      s = seq.incrementAndGet();
      redelivered = pendingLoaded.contains(key);
      emitted.put(key, s);
      HandOut h = HandOut.of(e.kind(), entry);
      handOuts.put(key, h);
      journaled = true;
      append(journalLine(key, h));
    }
    ChangeEvent.Builder b = e.toBuilder().onAck(() -> acknowledged(key, value, s));
    if (redelivered) {
      // handed out in the last run and never acknowledged: the far side may hold it already, so
      // a merge must never cancel it (see Merging.REDELIVERED)
      b.header(io.changeflux.internal.Merging.REDELIVERED, "true");
    }
    return b.build();
  }

  private void acknowledged(String key, @Nullable StateEntry value, long s) {
    synchronized (lock) {
      Long out = emitted.get(key);
      if (out != null && out <= s) {
        emitted.remove(key);
        dirty = true;
      }
      if (pendingLoaded.remove(key)) {
        dirty = true;
      }
      if (!emitted.containsKey(key)) {
        handOuts.remove(key);
      }
      Long last = seqs.get(key);
      if (last != null && last > s) {
        return; // a newer event for this key was acknowledged first
      }
      // A deleted key's sequence is kept until the next write, so that the handle of an older
      // event acknowledged after it (a merged event runs the later part's handles first) is ignored.
      seqs.put(key, s);
      if (value == null) {
        StateEntry now = changes.get(key);
        if (now == null ? acked.containsKey(key) : now != StateEntries.GONE) {
          if (acked.containsKey(key)) {
            changes.put(key, StateEntries.GONE);
          } else {
            changes.remove(key);
          }
          dirty = true;
        }
      } else {
        changes.put(key, value);
        dirty = true;
      }
    }
  }

  /**
   * The acknowledged entries now, by key (a copy).
   *
   * @return a new sorted map; changing it changes nothing here
   */
  public SortedMap<String, StateEntry> acknowledged() {
    awaitLoaded();
    synchronized (lock) {
      return new TreeMap<>(acked.merge(changes)); // linear: from sorted entries
    }
  }

  /**
   * How many times the file was written since this store opened.
   *
   * @return the write count
   */
  public long writes() {
    return writes.get();
  }

  /**
   * The size of the last file written, in bytes (0 before the first write).
   *
   * @return the byte count
   */
  public long lastWriteBytes() {
    return lastBytes;
  }

  /**
   * Writes the state now when anything changed since the last write (the checkpoint thread calls
   * this every interval).
   *
   * @throws IOException when the file cannot be written (the state stays due)
   */
  public synchronized void checkpoint() throws IOException {
    if (!readable) {
      return; // never write over a file that was not read
    }
    StateEntries snapshot;
    java.util.TreeSet<String> pending;
    synchronized (lock) {
      if (!dirty && !journaled) {
        return;
      }
      journaled = false;
      dirty = false;
      pending = new java.util.TreeSet<>(emitted.keySet());
      pending.addAll(pendingLoaded);
      rotateJournal();
      // one linear merge of the changes; immutable, so written outside the lock
      acked = acked.merge(changes);
      changes.clear();
      snapshot = acked;
      // the deletions are written now; an older handle acknowledged later is harmless
      seqs.keySet().removeIf(k -> !snapshot.containsKey(k));
    }
    try {
      write(StateCodec.encode(kind, root, snapshot, pending));
      Files.deleteIfExists(oldJournalFile); // its keys are in the file now (or acknowledged)
    } catch (IOException | RuntimeException e) {
      synchronized (lock) {
        dirty = true;
      }
      throw e;
    }
  }

  /**
   * Under the lock, as the snapshot is taken: the journal so far becomes {@code .emitted.old}
   * (deleted once the snapshot, which covers it, is in place) and a new one starts. When an old one
   * is still there (the last write failed), the journal goes on growing instead.
   */
  private void rotateJournal() {
    if (journal == null || Files.exists(oldJournalFile)) {
      return;
    }
    try {
      if (journal.size() == 0) {
        return;
      }
      journal.close();
      Files.move(journalFile, oldJournalFile, StandardCopyOption.ATOMIC_MOVE);
      journal = openJournal();
      rejournal(); // the last hand-outs of the keys still out outlive the old journal
    } catch (IOException e) {
      log.debug("{}: cannot rotate {}: {}", spec.source(), journalFile, e.toString());
      try {
        journal = openJournal();
        rejournal(); // harmless when the move failed (the journal still has it all)
      } catch (IOException again) {
        journal = null;
      }
    }
  }

  private void checkpointQuietly() {
    try {
      checkpoint();
      warnedWrite = false;
    } catch (IOException | RuntimeException e) {
      if (!warnedWrite) {
        warnedWrite = true;
        log.warn("{}: cannot write state file {}: {}; will retry", spec.source(), spec.file(), e.toString());
      }
    }
  }

  private void write(byte[] bytes) throws IOException {
    Path file = spec.file();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory(file.getParent());
    writes.incrementAndGet();
    lastBytes = bytes.length;
  }

  private static void forceDirectory(@Nullable Path dir) {
    if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
      return; // directories cannot be opened for force() there; the rename is durable enough
    }
    if (dir == null) {
      return;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // some file systems refuse: the rename itself is still atomic
    }
  }

  /** Stops the checkpoint thread and writes the state a last time when anything changed. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (loading.isDone()) {
      // a checkpoint in flight completes (an interrupt would close its channel and fail it); the
      // periodic one is cancelled
      writer.shutdown();
    } else {
      writer.shutdownNow(); // still reading the file: cancelled, never written over
    }
    try {
      writer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    checkpointQuietly();
    synchronized (lock) {
      try {
        if (journal != null) {
          journal.close();
          journal = null;
        }
        if (emitted.isEmpty() && Files.size(journalFile) == 0) {
          Files.deleteIfExists(journalFile);
        }
      } catch (IOException e) {
        // left for the next start, which reads it
      }
    }
  }
}
