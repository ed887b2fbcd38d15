package dev.specdec.cli;

import java.io.PrintWriter;

/**
 * Standard output went away (the reader of a pipe quit, as {@code specdec generate ... | head}
 * does): the work stops instead of computing output nobody reads. PrintWriter and PrintStream
 * swallow write errors, so commands ask after each write.
 */
final class OutputClosed extends RuntimeException {
    OutputClosed() {
        super("standard output was closed (did the reader of a pipe quit?); stopped", null, false, false);
    }

    /** Flushes {@code out} and throws if writing to it failed. */
    static void check(PrintWriter out) {
        if (out.checkError()) throw new OutputClosed();
    }
}
