package io.changeflux.fs.internal;

import java.util.function.Predicate;

/**
 * Which directories a watch neither watches nor lists, and which keys name the rules that decide
 * it. {@code dirs}: given a directory's key, whether nothing below it can ever be reported (git
 * ignores it, or an {@code exclude=} glob drops it whole). {@code rules}: given the key of an
 * event, whether it names a file that decides {@code dirs} (a {@code .gitignore}); the watch then
 * registers and lists the tree again shortly after, so that a directory un-ignored is watched and
 * its files reported, and one newly ignored loses its watches. {@code files}: the entries left
 * out of the watch's tree (what git ignores), so that a change of the rules reports those that
 * became visible CREATED and those that became ignored DELETED.
 *
 * @param dirs true for a directory key that is pruned
 * @param files true for an entry's key that is left out
 * @param rules true for a key whose change alters {@code dirs}
 */
public record Pruning(Predicate<String> dirs, Predicate<String> files, Predicate<String> rules) {

  /** Nothing pruned. */
  public static final Pruning NONE = new Pruning(k -> false, k -> false, k -> false);

  /** Whether anything can be pruned. */
  public boolean active() {
    return this != NONE;
  }
}
