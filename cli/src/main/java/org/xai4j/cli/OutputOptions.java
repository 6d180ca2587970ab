package org.xai4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --json}: a command prints a table, or one JSON object instead (use it as a picocli mixin). */
final class OutputOptions {
    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    // The command this is mixed into: its stdout is the one Main.run was given.
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    PrintWriter out() {
        return command.commandLine().getOut();
    }
}
