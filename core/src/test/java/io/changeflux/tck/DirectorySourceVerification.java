package io.changeflux.tck;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK against {@code events()} of a directory source ({@code fs:}, {@code
 * poll:}), opened through {@link ChangeSources#open(String)} on a real temporary directory that
 * holds N files, with {@code initial=true}: the stream is the N initial {@code CREATED} events,
 * then live events (none come, as nothing writes). Such a stream never completes, so {@link
 * #maxElementsFromPublisher()} is {@code Long.MAX_VALUE} and the TCK skips the rules that need
 * {@code onComplete}: 1.2 ({@code maySignalLessThanRequestedAndTerminateSubscription}), 1.3
 * (stochastic), 1.5, 1.7, the two {@code createPublisher…MustProduceAStreamOfExactly…} checks,
 * the two rule-3.17 pending-count rules, and the optional 1.5 empty-stream rule and 1.11
 * multicast rules that wait for completion — those are checked on the operators and {@code
 * mem:}, which can complete. The optional 1.11 multicast rule without completion is not met, by
 * design: each subscription is its own watch and its events carry their own observation time, so
 * two subscribers never see equal elements. Every other rule runs. Rule 3.17's overflow check
 * asks for {@code Integer.MAX_VALUE}
 * elements, where a few dozen files suffice (the subscriber cancels after eleven); the directory
 * holds at most {@value #MAX_FILES}.
 */
public abstract class DirectorySourceVerification extends PublisherVerification<ChangeEvent> {

  /** The most files a test directory holds. */
  public static final int MAX_FILES = 32;

  private final Path root;

  protected DirectorySourceVerification() {
    super(TckSupport.env());
    try {
      root = Files.createTempDirectory("changeflux-tck-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The URI of the source under test on {@code dir}, with {@code initial=true}. */
  protected abstract String uri(Path dir);

  @Override
  public Publisher<ChangeEvent> createPublisher(long elements) {
    try {
      Path dir = Files.createTempDirectory(root, "pub-");
      long files = Math.min(elements, MAX_FILES);
      for (long i = 0; i < files; i++) {
        Files.writeString(dir.resolve("f" + i + ".txt"), "content " + i);
      }
      return ChangeSources.open(uri(dir)).events();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A source whose root was deleted after it was opened ({@code open} itself rejects a missing
   * root): each subscription fails, after {@code onSubscribe}.
   */
  @Override
  public Publisher<ChangeEvent> createFailedPublisher() {
    try {
      Path dir = Files.createTempDirectory(root, "gone-");
      Publisher<ChangeEvent> events = ChangeSources.open(uri(dir)).events();
      Files.delete(dir);
      return events;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public long maxElementsFromPublisher() {
    return Long.MAX_VALUE; // never completes: see the class comment for the rules this skips
  }

  @AfterClass(alwaysRun = true)
  public void deleteRoot() throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
