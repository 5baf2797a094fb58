/** Implementation of the web backends; not API. */
@NullMarked
package io.changeflux.web.internal;

import org.jspecify.annotations.NullMarked;
