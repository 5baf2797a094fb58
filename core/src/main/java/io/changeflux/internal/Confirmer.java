package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ShaResolver;
import io.changeflux.ShaResolvers;
import java.io.FileNotFoundException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Scheduler;

/**
 * SHA confirmation: resolves the current id of each CREATED/MODIFIED event on a blocking-capable
 * scheduler (at most {@code concurrency} at once), then decides in arrival order, so per-key order
 * holds: same id as the last one seen for the key → dropped (and acknowledged); otherwise emitted
 * with the id as {@code sha}; with no id seen for the key, the event's baseline header (the content
 * when the source started) counts as the last. DELETED passes and forgets the key; OVERFLOW passes. A thing that
 * vanished becomes DELETED; one that cannot be read passes unchanged and is logged.
 */
public final class Confirmer {

  private static final Logger log = LoggerFactory.getLogger(Confirmer.class);

  private final ShaResolver resolver;
  private final int concurrency;
  private final Scheduler scheduler;
  private final int maxKeys;

  /** A confirmer; state is made per subscription. */
  public Confirmer(ShaResolver resolver, int concurrency, Scheduler scheduler, int maxKeys) {
    this.resolver = resolver;
    this.concurrency = concurrency;
    this.scheduler = scheduler;
    this.maxKeys = maxKeys;
  }

  /** Confirms a stream of events. */
  public Flux<ChangeEvent> events(Flux<ChangeEvent> upstream) {
    return Flux.defer(
        () -> {
          State state = new State(maxKeys);
          return upstream
              // delay errors: an upstream error still delivers the events being resolved
              .flatMapSequentialDelayError(this::resolve, concurrency, 1)
              .handle((Outcome o, SynchronousSink<ChangeEvent> sink) -> {
                ChangeEvent out = state.decide(o);
                if (out != null) {
                  sink.next(out);
                }
              });
        });
  }

  /** Confirms each batch; a batch left empty is not emitted. */
  public Flux<List<ChangeEvent>> batches(Flux<List<ChangeEvent>> upstream) {
    return Flux.defer(
        () -> {
          State state = new State(maxKeys);
          // delay errors: an upstream error still delivers the batch being resolved
          return upstream.concatMapDelayError(
              batch ->
                  Flux.fromIterable(batch)
                      .flatMapSequential(this::resolve, concurrency, 1)
                      .<ChangeEvent>handle(
                          (o, sink) -> {
                            ChangeEvent out = state.decide(o);
                            if (out != null) {
                              sink.next(out);
                            }
                          })
                      .collectList()
                      .filter(l -> !l.isEmpty())
                      .map(java.util.Collections::unmodifiableList),
              true,
              1);
        });
  }

  Mono<Outcome> resolve(ChangeEvent e) {
    if (e.kind() == ChangeKind.DELETED || e.kind() == ChangeKind.OVERFLOW) {
      return Mono.just(new Outcome(e, Status.PASS, null));
    }
    return Mono.fromCallable(() -> resolveNow(e)).subscribeOn(scheduler);
  }

  private Outcome resolveNow(ChangeEvent e) {
    try {
      String sha = resolver.resolve(e);
      return sha == null ? new Outcome(e, Status.VANISHED, null) : new Outcome(e, Status.HASHED, sha);
    } catch (NoSuchFileException | FileNotFoundException gone) {
      return new Outcome(e, Status.VANISHED, null);
    } catch (java.io.InterruptedIOException cancelled) {
      log.debug("confirm: resolving '{}' was interrupted (cancelled)", e.key());
      return new Outcome(e, Status.UNREADABLE, null);
    } catch (ShaResolvers.NotApplicable na) {
      log.debug("confirm: nothing to resolve for '{}': {}", e.key(), na.getMessage());
      return new Outcome(e, Status.UNREADABLE, null);
    } catch (Exception ex) {
      log.warn("confirm: cannot resolve '{}', passing the event unconfirmed: {}", e.key(), String.valueOf(ex));
      return new Outcome(e, Status.UNREADABLE, null);
    }
  }

  enum Status {
    PASS,
    HASHED,
    VANISHED,
    UNREADABLE
  }

  static final class Outcome {
    final ChangeEvent event;
    final Status status;
    final @Nullable String sha;

    Outcome(ChangeEvent event, Status status, @Nullable String sha) {
      this.event = event;
      this.status = status;
      this.sha = sha;
    }
  }

  /** The last id seen per key, bounded (least recently used out). Called serially. */
  static final class State {
    final LinkedHashMap<String, String> last;

    State(int maxKeys) {
      last =
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > maxKeys;
            }
          };
    }

    @Nullable ChangeEvent decide(Outcome o) {
      ChangeEvent e = o.event;
      String baseline = e.headers().get(io.changeflux.ChangeOps.BASELINE_SHA_HEADER);
      if (baseline != null) {
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>(e.headers());
        h.remove(io.changeflux.ChangeOps.BASELINE_SHA_HEADER);
        e = e.toBuilder().headers(h).build();
      }
      switch (o.status) {
        case PASS:
          if (e.kind() == ChangeKind.DELETED) {
            last.remove(e.key());
          }
          return e;
        case VANISHED:
          last.remove(e.key());
          return e.toBuilder().kind(ChangeKind.DELETED).sha(null).build();
        case UNREADABLE:
          return e;
        default:
          String previous = last.put(e.key(), o.sha);
          if (previous == null) {
            previous = baseline; // the content when the source started, if it says
          }
          if (java.util.Objects.equals(o.sha, previous)) { // HASHED: sha is never null
            Acks.ack(e);
            return null;
          }
          return e.toBuilder().sha(o.sha).build();
      }
    }
  }
}
