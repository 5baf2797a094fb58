package io.changeflux.samples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The sample: the sources of {@code application.yml} ({@code changeflux.sources.*}) as beans;
 * {@code GET /events?source=NAME} streams one as Server-Sent Events (JSON, the fields of {@code
 * changeflux watch --json}); {@code /} is a page that shows them with {@code EventSource};
 * {@code /actuator/health} and {@code /actuator/metrics} show the sources.
 */
@SpringBootApplication
public class SampleApplication {

  /** Runs the sample. */
  public static void main(String[] args) {
    SpringApplication.run(SampleApplication.class, args);
  }
}
