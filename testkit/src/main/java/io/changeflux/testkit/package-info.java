/**
 * {@link io.changeflux.testkit.ChangeSourceTestKit}: the contract every backend's tests run; and
 * the small helpers those tests share: {@link io.changeflux.testkit.HostileStrings} (jqwik
 * generators), {@link io.changeflux.testkit.Shell} (a real shell command that must succeed) and
 * {@link io.changeflux.testkit.TestFiles} (a file replaced in one step).
 */
@NullMarked
package io.changeflux.testkit;

import org.jspecify.annotations.NullMarked;
