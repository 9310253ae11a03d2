package io.chatbridge.core.config;

import io.chatbridge.spi.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Every problem found while loading the user's files, in the order found. Used on one thread. */
final class ProblemLog implements Consumer<ConfigProblem> {

    private final List<ConfigProblem> problems = new ArrayList<>();

    @Override
    public void accept(ConfigProblem problem) {
        problems.add(problem);
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
