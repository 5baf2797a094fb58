/**
 * The {@code poll:PATH} backend (a snapshot diff of a directory tree every interval) and value
 * polling ({@link io.changeflux.poll.PollSource#value}).
 */
package io.changeflux.poll;
