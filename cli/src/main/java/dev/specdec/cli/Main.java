package dev.specdec.cli;

import dev.specdec.target.ModelFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code specdec} command. */
@Command(name = "specdec", mixinStandardHelpOptions = true, usageHelpWidth = 110, versionProvider = Main.Version.class,
        description = "Speculative decoding for GGUF language models on the JVM: a small draft proposes, the target verifies "
                + "k tokens in one batched pass, and the output stays exactly the target's.",
        subcommands = {GenerateCommand.class, ChatCommand.class, SampleCommand.class, DemoCommand.class, BenchCommand.class, SweepCommand.class, ReportCommand.class, ReplayCommand.class,
                EvalLogitsCommand.class, TokenizeCommand.class, DetokenizeCommand.class, InspectCommand.class,
                SynthCommand.class, RenderTemplateCommand.class, JmhCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final String VERSION = "0.1.0";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line; returns the exit code (tests call this directly). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("specdec: " + oneLine(ex));
            if (System.getenv("SPECDEC_DEBUG") != null) ex.printStackTrace(err);
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("specdec: " + ex.getMessage());
            err.println("Try 'specdec " + ex.getCommandLine().getCommandName() + " --help'.");
            err.flush();
            return 2;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    /** The user-facing message of an exception: what went wrong, in one line. */
    static String oneLine(Throwable ex) {
        if (ex instanceof UncheckedIOException u) ex = u.getCause();
        if (ex instanceof ModelFormatException || ex instanceof IllegalArgumentException || ex instanceof IllegalStateException) {
            return ex.getMessage();
        }
        if (ex instanceof java.nio.file.NoSuchFileException n) return n.getFile() + ": file not found";
        if (ex instanceof IOException) return ex.getMessage();
        if (ex instanceof OutOfMemoryError) return "out of memory: " + ex.getMessage() + " (try a shorter --ctx or a smaller model)";
        return ex.getClass().getSimpleName() + ": " + ex.getMessage() + " (set SPECDEC_DEBUG=1 for the stack trace)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            return new String[] {"specdec " + VERSION + " (Java " + Runtime.version() + ", " + dev.specdec.kernels.Vectors.describe() + ")",
                    "cpu: " + dev.specdec.kernels.CpuInfo.current().describe()};
        }
    }
}
