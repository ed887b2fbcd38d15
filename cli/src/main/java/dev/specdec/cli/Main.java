package dev.specdec.cli;

import dev.specdec.engine.ChatTemplate;
import dev.specdec.target.ModelFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code specdec} command. */
@Command(
        name = "specdec",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        versionProvider = Main.Version.class,
        description =
                "Speculative decoding for GGUF language models on the JVM: a small draft proposes, the target verifies "
                        + "k tokens in one batched pass, and the output stays exactly the target's.",
        subcommands = {
            GenerateCommand.class,
            ChatCommand.class,
            SampleCommand.class,
            ServeCommand.class,
            BenchServeCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            SweepCommand.class,
            ReportCommand.class,
            ReplayCommand.class,
            EvalLogitsCommand.class,
            TokenizeCommand.class,
            DetokenizeCommand.class,
            InspectCommand.class,
            SynthCommand.class,
            RenderTemplateCommand.class,
            JmhCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static final String VERSION = dev.specdec.kernels.Version.CURRENT;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Accepted before or after the command name; read when the kernels first load (once per JVM). */
    @CommandLine.Option(
            names = "--kernels",
            scope = CommandLine.ScopeType.INHERIT,
            paramLabel = "KERNELS",
            description =
                    "CPU kernels: auto (the best native level this CPU runs, else Java), java (the Vector API kernels), "
                            + "or a native level: avx2, avxvnni, avx512vnni (default: auto).")
    void kernels(String value) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("auto") && !v.equals("java") && dev.specdec.kernels.KernelLevel.byId(v) == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--kernels must be auto, java, avx2, avxvnni or avx512vnni, not '" + value + "'");
        }
        System.setProperty("specdec.kernels", v);
    }

    @Override
    public void run() {
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
        cl.setParameterExceptionHandler((ex, a) -> badUsage(
                err, ex.getMessage(), ex.getCommandLine().getCommandSpec().qualifiedName()));
        // picocli would answer "specdec serve --help" with the top-level help and exit 0: help wins
        // over an unmatched word. The first word is always the command (top-level flags take no values).
        if (args.length > 0 && !args[0].startsWith("-") && !cl.getSubcommands().containsKey(args[0])) {
            return badUsage(err, "unknown command '" + args[0] + "'", "specdec");
        }
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    /** Bad usage (exit 2): what is wrong, and where the usage is explained. */
    private static int badUsage(PrintWriter err, String message, String command) {
        err.println("specdec: " + message);
        err.println("Try '" + command + " --help'.");
        err.flush();
        return 2;
    }

    /** The user-facing message of an exception: what went wrong, in one line. */
    static String oneLine(Throwable ex) {
        if (ex instanceof UncheckedIOException u) ex = u.getCause();
        if (ex instanceof ModelFormatException
                || ex instanceof IllegalArgumentException
                || ex instanceof IllegalStateException
                || ex instanceof OutputClosed) {
            return ex.getMessage();
        }
        if (ex instanceof ChatTemplate.TemplateException) return "the model's chat template failed: " + ex.getMessage();
        if (ex instanceof FileSystemException f) return fileSystem(f);
        if (ex instanceof IOException) return ex.getMessage();
        if (ex instanceof OutOfMemoryError)
            return "out of memory: " + ex.getMessage() + " (try a shorter --ctx or a smaller model)";
        return ex.getClass().getSimpleName() + ": " + ex.getMessage() + " (set SPECDEC_DEBUG=1 for the stack trace)";
    }

    /** The JDK leaves the reason of most file-system errors empty (the message is the bare path): say it in words. */
    private static String fileSystem(FileSystemException f) {
        String reason = f.getReason() != null
                ? f.getReason()
                : switch (f) {
                    case NoSuchFileException n -> "file not found";
                    case AccessDeniedException a -> "permission denied";
                    case NotDirectoryException n -> "not a directory";
                    case FileAlreadyExistsException e -> "already exists";
                    case DirectoryNotEmptyException d -> "directory not empty";
                    default -> f.getClass().getSimpleName();
                };
        return (f.getFile() != null ? f.getFile() + ": " : "")
                + reason
                + (f.getOtherFile() != null ? " (" + f.getOtherFile() + ")" : "");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "specdec " + VERSION + " (Java " + Runtime.version() + ", " + dev.specdec.kernels.Vectors.describe()
                        + ")",
                "cpu: " + dev.specdec.kernels.CpuInfo.current().describe(),
                "cpu kernels: " + dev.specdec.kernels.NativeKernels.describe()
            };
        }
    }
}
