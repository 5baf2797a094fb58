package io.changeflux.samples.run;

import io.changeflux.ChangeSourceException;
import io.changeflux.Durations;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A watch-and-run pipeline, read from a properties file:
 *
 * <pre>
 * root=.                      # folder to watch; default: the file's folder
 * debounce=200ms              # quiet period; default 200ms
 * maxWait=5s                  # longest wait under continuous change; default 5s
 * state=../proj.run.state     # --watch: resume from this file, outside root (relative to this file's folder); default: none
 * stage.compile.inputs=src/**&#47;*.java
 * stage.compile.outputs=build/classes/**
 * stage.compile.command=javac -d build/classes $(find src -name '*.java')
 * stage.test.inputs=test/**
 * stage.test.after=compile    # also runs whenever compile ran
 * stage.test.command=./run-tests.sh
 * </pre>
 *
 * Stages run in the order the file declares them (after its {@code after} stages). A stage is
 * affected by a change when the changed key matches one of its {@code inputs}; a stage is
 * downstream of another when it names it in {@code after}, or when one of its inputs lies under
 * one of the other's outputs. Outputs are never watched, so a stage never triggers itself.
 */
public final class PipelineFile {

  /** One stage. */
  public static final class Stage {
    final String name;
    final List<String> inputs;
    final List<String> outputs;
    final List<String> after;
    final String command;
    private final List<PathMatcher> inputMatchers;

    Stage(String name, List<String> inputs, List<String> outputs, List<String> after, String command) {
      this.name = name;
      this.inputs = inputs;
      this.outputs = outputs;
      this.after = after;
      this.command = command;
      this.inputMatchers = inputs.stream().map(PipelineFile::matcher).collect(Collectors.toList());
    }

    /** The stage's name. */
    public String name() {
      return name;
    }

    /** The shell command. */
    public String command() {
      return command;
    }

    /** Input globs. */
    public List<String> inputs() {
      return inputs;
    }

    /** Output globs (never watched). */
    public List<String> outputs() {
      return outputs;
    }

    /** Whether a changed key is one of this stage's inputs. */
    public boolean uses(String key) {
      Path p = Path.of(key);
      return inputMatchers.stream().anyMatch(m -> m.matches(p));
    }
  }

  private final Path file;
  private final Path root;
  private final Duration debounce;
  private final Duration maxWait;
  private final Path state;
  private final List<Stage> stages;

  private PipelineFile(Path file, Path root, Duration debounce, Duration maxWait, Path state, List<Stage> stages) {
    this.state = state;
    this.file = file;
    this.root = root;
    this.debounce = debounce;
    this.maxWait = maxWait;
    this.stages = stages;
  }

  /**
   * Reads and checks a pipeline file.
   *
   * @throws ChangeSourceException naming the file and the problem
   */
  public static PipelineFile read(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      throw new ChangeSourceException("pipeline file not found: " + file);
    } catch (IOException | IllegalArgumentException e) {
      throw new ChangeSourceException("cannot read pipeline file " + file + ": " + e.getMessage());
    }
    Path dir = file.toAbsolutePath().getParent();
    Path root = dir.resolve(p.getProperty("root", ".")).normalize();
    if (!Files.isDirectory(root)) {
      throw new ChangeSourceException(file + ": root '" + p.getProperty("root") + "' is not a directory");
    }
    Duration debounce = duration(file, p, "debounce", "200ms");
    Duration maxWait = duration(file, p, "maxWait", "5s");
    Map<String, Map<String, String>> raw = new LinkedHashMap<>();
    List<String> order = new ArrayList<>();
    String stateText = p.getProperty("state");
    Path state = stateText == null || stateText.isBlank() ? null : dir.resolve(stateText.trim()).normalize();
    Set<String> top = Set.of("root", "debounce", "maxWait", "state");
    // Properties forget the order; recover the declaration order from the file's text.
    List<String> keysInOrder = keysInOrder(file);
    for (String key : keysInOrder) {
      if (top.contains(key)) {
        continue;
      }
      String[] parts = key.split("\\.", 3);
      if (parts.length != 3 || !parts[0].equals("stage") || parts[1].isEmpty()) {
        throw new ChangeSourceException(
            file + ": unknown key '" + key + "'; expected root, debounce, maxWait, state or stage.NAME.(inputs|outputs|after|command)");
      }
      if (!Set.of("inputs", "outputs", "after", "command").contains(parts[2])) {
        throw new ChangeSourceException(
            file + ": unknown stage key '" + key + "'; a stage has inputs, outputs, after and command");
      }
      if (!raw.containsKey(parts[1])) {
        order.add(parts[1]);
      }
      raw.computeIfAbsent(parts[1], k -> new LinkedHashMap<>()).put(parts[2], p.getProperty(key));
    }
    if (order.isEmpty()) {
      throw new ChangeSourceException(file + ": no stages; add stage.NAME.inputs and stage.NAME.command");
    }
    List<Stage> stages = new ArrayList<>();
    for (String name : order) {
      Map<String, String> s = raw.get(name);
      String command = s.get("command");
      if (command == null || command.isBlank()) {
        throw new ChangeSourceException(file + ": stage '" + name + "' has no command");
      }
      List<String> inputs = list(s.get("inputs"));
      if (inputs.isEmpty()) {
        throw new ChangeSourceException(file + ": stage '" + name + "' has no inputs");
      }
      for (String g : inputs) {
        try {
          matcher(g);
        } catch (RuntimeException e) {
          throw new ChangeSourceException(file + ": stage '" + name + "': bad glob '" + g + "'");
        }
      }
      List<String> after = list(s.get("after"));
      for (String a : after) {
        if (!raw.containsKey(a)) {
          throw new ChangeSourceException(
              file + ": stage '" + name + "' runs after unknown stage '" + a + "'; stages: " + String.join(", ", order));
        }
      }
      stages.add(new Stage(name, inputs, list(s.get("outputs")), after, command.trim()));
    }
    PipelineFile pf = new PipelineFile(file.toAbsolutePath(), root, debounce, maxWait, state, List.copyOf(stages));
    pf.checkAcyclic();
    return pf;
  }

  /** The pipeline file. */
  public Path file() {
    return file;
  }

  /** The folder watched; keys are relative to it. */
  public Path root() {
    return root;
  }

  /** The quiet period. */
  public Duration debounce() {
    return debounce;
  }

  /** The longest wait under continuous change. */
  public Duration maxWait() {
    return maxWait;
  }

  /** {@code --watch}: the state file to resume from ({@code state=}), if the file names one. */
  public java.util.Optional<Path> state() {
    return java.util.Optional.ofNullable(state);
  }

  /** The stages, in declaration order. */
  public List<Stage> stages() {
    return stages;
  }

  /** Every output glob, to exclude from the watch. */
  public List<String> outputs() {
    return stages.stream().flatMap(s -> s.outputs.stream()).distinct().collect(Collectors.toList());
  }

  /** The stages to run for these changed keys: those that use one, and everything downstream, in run order. */
  public List<Stage> affected(Iterable<String> keys) {
    Set<String> hit = new LinkedHashSet<>();
    for (String k : keys) {
      for (Stage s : stages) {
        if (s.uses(k)) {
          hit.add(s.name);
        }
      }
    }
    return closure(hit);
  }

  /** Every stage, in run order. */
  public List<Stage> all() {
    return closure(stages.stream().map(s -> s.name).collect(Collectors.toCollection(LinkedHashSet::new)));
  }

  /** The stages that depend on {@code stage} directly. */
  public List<Stage> downstreamOf(Stage stage) {
    List<Stage> out = new ArrayList<>();
    for (Stage s : stages) {
      if (s != stage && (s.after.contains(stage.name) || overlaps(stage.outputs, s.inputs))) {
        out.add(s);
      }
    }
    return out;
  }

  private List<Stage> closure(Set<String> start) {
    Set<String> all = new LinkedHashSet<>(start);
    boolean grew = true;
    while (grew) {
      grew = false;
      for (Stage s : stages) {
        if (all.contains(s.name)) {
          for (Stage d : downstreamOf(s)) {
            grew |= all.add(d.name);
          }
        }
      }
    }
    return topological().stream().filter(s -> all.contains(s.name)).collect(Collectors.toList());
  }

  /** Stages sorted so that every stage comes after what it depends on; ties in declaration order. */
  List<Stage> topological() {
    List<Stage> out = new ArrayList<>();
    Set<String> placed = new LinkedHashSet<>();
    while (out.size() < stages.size()) {
      boolean progressed = false;
      for (Stage s : stages) {
        if (placed.contains(s.name)) {
          continue;
        }
        boolean ready = stages.stream()
            .filter(u -> u != s && downstreamOf(u).contains(s))
            .allMatch(u -> placed.contains(u.name));
        if (ready) {
          out.add(s);
          placed.add(s.name);
          progressed = true;
        }
      }
      if (!progressed) {
        return null;
      }
    }
    return out;
  }

  private void checkAcyclic() {
    if (topological() == null) {
      throw new ChangeSourceException(
          file + ": the stages depend on each other in a cycle (check 'after' and outputs that are inputs of an earlier stage)");
    }
  }

  private static boolean overlaps(List<String> outputs, List<String> inputs) {
    for (String o : outputs) {
      String op = literalPrefix(o);
      for (String i : inputs) {
        String ip = literalPrefix(i);
        if (!op.isEmpty() && !ip.isEmpty() && (op.startsWith(ip) || ip.startsWith(op))) {
          return true;
        }
      }
    }
    return false;
  }

  private static String literalPrefix(String glob) {
    int i = 0;
    while (i < glob.length() && "*?[{".indexOf(glob.charAt(i)) < 0) {
      i++;
    }
    String p = glob.substring(0, i);
    int slash = p.lastIndexOf('/');
    return slash < 0 ? "" : p.substring(0, slash + 1);
  }

  /** Whether a '/'-separated key matches a glob ({@code **}{@code /x} also matches {@code x} at the top). */
  public static boolean globMatches(String glob, String key) {
    return matcher(glob).matches(Path.of(key));
  }

  /** A glob on '/'-separated keys; {@code **}{@code /x} also matches {@code x} at the top. */
  static PathMatcher matcher(String glob) {
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    if (glob.startsWith("**/")) {
      PathMatcher top = FileSystems.getDefault().getPathMatcher("glob:" + glob.substring(3));
      return p -> m.matches(p) || top.matches(p);
    }
    return m;
  }

  private static Duration duration(Path file, Properties p, String key, String def) {
    String v = p.getProperty(key, def);
    try {
      return Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new ChangeSourceException(file + ": bad value '" + v + "' for '" + key + "'; accepted: " + Durations.ACCEPTED);
    }
  }

  private static List<String> list(String s) {
    if (s == null) {
      return List.of();
    }
    return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toList());
  }

  private static List<String> keysInOrder(Path file) {
    Properties all = new Properties();
    List<String> order = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        Properties one = new Properties();
        one.load(new java.io.StringReader(line));
        for (String k : new TreeSet<>(one.stringPropertyNames())) {
          if (all.put(k, one.getProperty(k)) == null) {
            order.add(k);
          }
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new ChangeSourceException("cannot read pipeline file " + file + ": " + e.getMessage());
    }
    return order;
  }
}
