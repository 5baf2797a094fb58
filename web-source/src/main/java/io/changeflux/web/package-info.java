/** The web backends: {@code webhook:}/{@code webhooks:} (an HTTP server) and {@code http:}/{@code https:} (polling). */
@NullMarked
package io.changeflux.web;

import org.jspecify.annotations.NullMarked;
