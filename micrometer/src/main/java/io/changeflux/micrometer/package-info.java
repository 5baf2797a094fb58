/** Micrometer meters for changeflux sources: see {@link io.changeflux.micrometer.ChangeMetrics}. */
@NullMarked
package io.changeflux.micrometer;

import org.jspecify.annotations.NullMarked;
