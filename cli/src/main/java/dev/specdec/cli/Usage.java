package dev.specdec.cli;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Bad usage: a value a flag can never take (-k 0, --top-p 2, an unknown --policy), a malformed
 * list, flags that do not go together. Checked before any work and reported by picocli's
 * parameter-exception handler: exit 2 and a hint to the command's --help. Values that do not fit a
 * particular model or file (a token id past its vocabulary) are bad input instead: exit 1.
 */
final class Usage {
    private Usage() {}

    static void require(CommandSpec spec, boolean ok, String message) {
        if (!ok) throw new ParameterException(spec.commandLine(), message);
    }

    /** Runs a validator of the core modules; what it rejects is bad usage here. */
    static <T> T check(CommandSpec spec, Supplier<T> validated) {
        try {
            return validated.get();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    static void check(CommandSpec spec, Runnable validator) {
        check(spec, () -> {
            validator.run();
            return null;
        });
    }
}
