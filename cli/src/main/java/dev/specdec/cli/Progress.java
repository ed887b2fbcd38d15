package dev.specdec.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Feedback on long work: a live progress bar when stderr is a terminal; otherwise one line when
 * the phase starts (logs and pipes get no redraws).
 */
final class Progress implements AutoCloseable {
    /** What is counted; {@code size} units of work make one shown unit (bytes shown as MB). */
    record Unit(String name, long size) {
        static final Unit MB = new Unit("MB", 1 << 20);

        static Unit of(String noun) {
            return new Unit(noun, 1);
        }
    }

    private final ProgressBar bar; // null off a terminal

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /**
     * Whether stderr is a terminal. The launcher knows (its stderr filter makes the JVM's a pipe)
     * and says so in SPECDEC_STDERR_TTY; run without it, the JVM's console decides.
     */
    static boolean stderrIsTerminal() {
        String launcher = System.getenv("SPECDEC_STDERR_TTY");
        if (launcher != null) return launcher.equals("1");
        return System.console() != null && System.console().isTerminal();
    }

    /** Progress of a phase of {@code total} units of work, shown on stderr. */
    static Progress start(PrintWriter err, String phase, long total, Unit unit) {
        return start(err, phase, total, unit, stderrIsTerminal() ? System.err : null);
    }

    /** As above; the bar is drawn on {@code terminal}, or, when that is null, one line goes to {@code err}. */
    static Progress start(PrintWriter err, String phase, long total, Unit unit, PrintStream terminal) {
        if (terminal == null) {
            err.println(phase + " (" + (unit == null ? String.valueOf(total) : total / unit.size() + " " + unit.name())
                    + ") ...");
            err.flush();
            return new Progress(null);
        }
        err.flush(); // what was said before the bar stays above it
        var b = new ProgressBarBuilder()
                .setTaskName(phase)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                // a fixed width: asking the terminal through JLine fails behind the launcher's pipe
                .setConsumer(new ConsoleProgressBarConsumer(terminal, 79))
                .setUpdateIntervalMillis(250);
        if (unit != null) b.setUnit(" " + unit.name(), unit.size());
        return new Progress(b.build());
    }

    void step() {
        if (bar != null) bar.step();
    }

    void stepTo(long done) {
        if (bar != null) bar.stepTo(done);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
