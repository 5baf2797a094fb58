package io.changeflux.state;

import io.changeflux.OptionSpec;
import java.time.Duration;
import java.util.List;

/**
 * The options every resumable scheme ({@code fs:}, {@code poll:}, {@code git:}) declares: where
 * the state lives, how often it is written, what a foreign or damaged file does, and who
 * acknowledges.
 */
public final class StateOptions {

  private StateOptions() {}

  /** The state file. Default: none (nothing survives a restart). */
  public static final OptionSpec<String> STATE =
      OptionSpec.string(
          "state",
          null,
          "keep what was delivered and acknowledged in this file; on start, first emit what changed since (at least once)");

  /** The checkpoint interval. Default: 1s. */
  public static final OptionSpec<Duration> CHECKPOINT =
      OptionSpec.duration(
          "checkpoint",
          "1s",
          "with state: write the acknowledged state at most once per this interval (and at the end)");

  /** What a state file of another root, another version, or a damaged one does. Default: rescan. */
  public static final OptionSpec<String> STATE_MISMATCH =
      OptionSpec.choice(
          "stateMismatch",
          "rescan",
          "with state: a file of another root or version, or damaged: rescan = warn, OVERFLOW, report everything; fail = start-up error",
          "rescan",
          "fail");

  /** Acknowledgement mode. Default: auto. */
  public static final OptionSpec<String> ACK =
      OptionSpec.choice(
          "ack",
          "auto",
          "with state: auto = the state advances once downstream's onNext returned; manual = when event.ack() is called",
          "auto",
          "manual");

  /** Every state option, in the order the README lists them. */
  public static final List<OptionSpec<?>> OPTIONS = List.of(STATE, CHECKPOINT, STATE_MISMATCH, ACK);

  /** The shortest checkpoint interval accepted. */
  public static final Duration MIN_CHECKPOINT = Duration.ofMillis(10);
}
