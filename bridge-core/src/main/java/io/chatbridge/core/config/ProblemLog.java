package io.chatbridge.core.config;

import io.chatbridge.spi.ConfigProblem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** Every problem found while loading the user's files, in the order found. Used on one thread. */
final class ProblemLog implements Consumer<ConfigProblem> {

    private final List<ConfigProblem> problems = new ArrayList<>();
    /** Where an unset {@code ${VAR}} was found: file, then JSON paths. */
    private final Map<String, Set<String>> unset = new HashMap<>();
    /** Where a {@code ${VAR}} set to the empty string was found: file, then JSON path, then the variable. */
    private final Map<String, Map<String, String>> empty = new HashMap<>();
    /** While set, errors are dropped: they follow from an unset variable already reported. */
    private boolean consequencesOnly;

    /**
     * Adds a problem, unless it is an error that follows from an unset variable already reported (one root cause,
     * one error): an error on the value that held {@code ${VAR}} ({@code required}) or on an object holding it
     * ({@code needs url}), or any error of a driver checking an instance whose settings hold one. An error on a value
     * that was an empty variable names the variable.
     */
    @Override
    public void accept(ConfigProblem problem) {
        if (!problem.warning()) {
            if (consequencesOnly || followsFromUnset(problem)) {
                return;
            }
            String variable = empty.getOrDefault(problem.file(), Map.of()).get(problem.path());
            if (variable != null) {
                problem = new ConfigProblem(problem.file(), problem.path(), "environment variable " + variable
                        + " is set but empty (" + problem.message() + ")", false);
            }
        }
        problems.add(problem);
    }

    void unsetVariable(ConfigProblem problem) {
        unset.computeIfAbsent(problem.file(), k -> new HashSet<>()).add(problem.path());
        problems.add(problem);
    }

    void emptyVariable(String file, String path, String variable) {
        empty.computeIfAbsent(file, k -> new HashMap<>()).putIfAbsent(path, variable);
    }

    /** Whether a value at or under {@code path} of {@code file} held an unset variable. */
    boolean hasUnsetUnder(String file, String path) {
        return unset.getOrDefault(file, Set.of()).stream().anyMatch(p -> isSameOrUnder(p, path));
    }

    /** Runs {@code action} dropping every error it reports (see {@link #accept}). */
    void consequencesOnly(Runnable action) {
        consequencesOnly = true;
        try {
            action.run();
        } finally {
            consequencesOnly = false;
        }
    }

    private boolean followsFromUnset(ConfigProblem problem) {
        if (problem.path().isEmpty()) {
            return false;
        }
        return unset.getOrDefault(problem.file(), Set.of()).stream().anyMatch(p -> isSameOrUnder(p, problem.path()));
    }

    /** Whether JSON path {@code path} is {@code ancestor} or inside it. */
    private static boolean isSameOrUnder(String path, String ancestor) {
        return path.equals(ancestor) || path.startsWith(ancestor) && (path.charAt(ancestor.length()) == '.'
                || path.charAt(ancestor.length()) == '[');
    }

    List<ConfigProblem> all() {
        return List.copyOf(problems);
    }

    List<ConfigProblem> errors() {
        return problems.stream().filter(p -> !p.warning()).toList();
    }

    boolean hasErrors() {
        return !problems.stream().allMatch(ConfigProblem::warning);
    }

    int errorCount() {
        return (int) problems.stream().filter(p -> !p.warning()).count();
    }

    /** The list itself, for the file readers that add to a list. */
    List<ConfigProblem> list() {
        return problems;
    }
}
