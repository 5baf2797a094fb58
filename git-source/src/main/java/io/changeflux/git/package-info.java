/** The {@code git:REPO} source ({@link io.changeflux.git.GitProvider}). */
@NullMarked
package io.changeflux.git;

import org.jspecify.annotations.NullMarked;
