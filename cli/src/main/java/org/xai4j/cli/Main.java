package org.xai4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.xai4j.engine.Memory;
import org.xai4j.importers.ModelFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code xai4j} command: global options and the table of subcommands. Each subcommand is a
 * class of its own ({@link LayersCommand}, {@link PredictCommand}); a new one is added to
 * {@code subcommands} below and may reuse the {@link ModelOptions} and {@link InputOptions} mixins.
 *
 * <p>Errors reach the user as one line, {@code xai4j: error: <what> ...}, with exit code 1 for a
 * failure while running and 2 for a bad command line; {@code --verbose} adds the stack trace.
 */
@Command(name = "xai4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        description = "Explains convolutional networks on the JVM (ONNX and Keras models).",
        subcommands = {LayersCommand.class, PredictCommand.class, ExplainCommand.class, SanityCommand.class, LocalizeCommand.class, EvalCommand.class, TrainCommand.class, TrainHeadCommand.class, DemoCommand.class, ExportCommand.class,
                FiltersCommand.class, FeaturesCommand.class, ReceptiveFieldCommand.class, TopPatchesCommand.class, MaximizeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Inherited by every subcommand so that it may stand anywhere on the line. */
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Log ND4J's start-up information and print stack traces with errors.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        List<String> commands = spec.subcommands().keySet().stream().filter(c -> !c.equals("help")).toList();
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed: " + String.join(", ", commands));
    }

    public static void main(String[] args) {
        // The command line's memory policy: one collection every 10 s of passes frees the native
        // memory ND4J ties to dead Java objects (Memory says why); the property overrides it.
        Memory.setDefaultCollectionInterval(Duration.ofSeconds(10));
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line with the given streams; returns the exit code (in-process tests call this). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = List.of(args).contains("--verbose");
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        }
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, a) -> {
            String help = e.getCommandLine().getCommandName().equals("xai4j")
                    ? "xai4j --help" : "xai4j " + e.getCommandLine().getCommandName() + " --help";
            err.println("xai4j: error: " + oneLine(e.getMessage()) + " (see '" + help + "')");
            if (verbose) {
                e.printStackTrace(err);
            }
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> report(e, err, verbose));
        try {
            return cli.execute(args);
        } catch (Throwable t) {
            // Errors (out of memory, a missing native library) bypass picocli's handler.
            return report(t, err, verbose);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int report(Throwable t, PrintStream err, boolean verbose) {
        err.println("xai4j: error: " + describe(t));
        if (verbose) {
            t.printStackTrace(err);
        }
        return 1;
    }

    /** The user-facing message: ours (and the importers') are written for users; others are labelled. */
    static String describe(Throwable t) {
        String message = t.getMessage();
        if (t instanceof OutOfMemoryError) {
            return "out of memory (" + message + "); give Java more with XAI4J_JAVA_OPTS=-Xmx8g";
        }
        boolean userFacing = t instanceof IllegalArgumentException || t instanceof IllegalStateException
                || t instanceof UncheckedIOException || t instanceof ModelFormatException;
        if (message == null || message.isBlank()) {
            message = t.getClass().getSimpleName();
        } else if (!userFacing) {
            message = t.getClass().getSimpleName() + ": " + message;
        }
        String line = oneLine(message);
        return userFacing ? line : "internal error: " + line + " (run with --verbose for the stack trace)";
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** "xai4j 0.1.0 (ND4J 1.0.0-M2.1, Java 17.0.15)". */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {"xai4j " + p.getProperty("xai4j", "(unknown version)") + " (ND4J "
                    + p.getProperty("nd4j", "?") + ", Java " + System.getProperty("java.version") + ")"};
        }
    }
}
