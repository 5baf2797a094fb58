/**
 * Resume after a restart, for source providers: the {@code state=PATH} options ({@link
 * io.changeflux.state.StateOptions}), the crash-safe state file ({@link
 * io.changeflux.state.StateStore}) that records what was delivered and acknowledged, and what it
 * records of one key ({@link io.changeflux.state.StateEntry}).
 *
 * <p>The {@code fs:}, {@code poll:} and {@code git:} backends share it. It is public so that
 * backends in other modules (and your own) share one file format and one acknowledgement rule; it
 * is meant for source providers, not for applications, which only set {@code state=PATH}.
 */
@NullMarked
package io.changeflux.state;

import org.jspecify.annotations.NullMarked;
