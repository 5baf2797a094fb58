/** {@link io.changeflux.testkit.ChangeSourceTestKit}: the contract every backend's tests run. */
@NullMarked
package io.changeflux.testkit;

import org.jspecify.annotations.NullMarked;
