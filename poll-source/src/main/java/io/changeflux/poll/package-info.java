/**
 * The {@code poll:PATH} backend (a snapshot diff of a directory tree every interval) and value
 * polling ({@link io.changeflux.poll.PollSource#value}).
 */
@NullMarked
package io.changeflux.poll;

import org.jspecify.annotations.NullMarked;
