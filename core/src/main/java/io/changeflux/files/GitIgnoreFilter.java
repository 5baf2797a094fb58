package io.changeflux.files;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.util.function.Consumer;

/**
 * {@code gitignore=true}: drops the events of files git ignores ({@link GitIgnore}); an event for
 * an ignore file itself ({@code .gitignore}, {@code .ignore}, {@code .git/info/exclude}) makes the
 * next look-up read it again. OVERFLOW passes.
 */
public final class GitIgnoreFilter implements Consumer<ChangeEvent> {

  private final GitIgnore ignore;
  private final Consumer<ChangeEvent> out;

  private final boolean passDeleted;

  /**
   * A filter by {@code ignore} that passes the rest to {@code out}.
   *
   * @param ignore the rules
   * @param out receives the events not ignored
   */
  public GitIgnoreFilter(GitIgnore ignore, Consumer<ChangeEvent> out) {
    this(ignore, out, false);
  }

  /**
   * As above; with {@code passDeleted} a DELETED always passes: the watch before it keeps only
   * files that were not ignored, so its DELETED is of a file the consumer saw (one that a change of
   * the rules hid).
   *
   * @param ignore the rules
   * @param out receives the events not ignored
   * @param passDeleted whether a DELETED always passes
   */
  public GitIgnoreFilter(GitIgnore ignore, Consumer<ChangeEvent> out, boolean passDeleted) {
    this.ignore = ignore;
    this.out = out;
    this.passDeleted = passDeleted;
  }

  @Override
  public void accept(ChangeEvent e) {
    if (e.kind() != ChangeKind.OVERFLOW) {
      ignore.changed(e.key());
      if (ignore.ignored(e.key()) && !(passDeleted && e.kind() == ChangeKind.DELETED)) {
        e.ack();
        return;
      }
    }
    out.accept(e);
  }
}
