package io.chatbridge.core.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code validate}: checks the files and exits 0 (valid), 1 (invalid) or 2 (a file does not exist). */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check config and rules without starting anything.",
            "Exit codes: 0 valid, 1 invalid, 2 a named file does not exist."})
public class ValidateCommand implements Callable<Integer> {

    @Mixin
    FileOptions files;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        FileOptions.Result loaded = files.load(spec.commandLine().getErr());
        if (loaded.exitCode() == 0) {
            out.println(files.config + " and " + files.rules + " are valid: "
                    + loaded.setup().instances().size() + " instance(s), " + loaded.setup().rules().size()
                    + " rule(s)");
        }
        return loaded.exitCode();
    }
}
