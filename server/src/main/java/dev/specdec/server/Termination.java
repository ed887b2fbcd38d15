package dev.specdec.server;

import java.util.List;

/**
 * Runs an action on SIGTERM and SIGINT instead of the JVM's default exit, so a server can drain
 * and then return normally (exit status 0; a shutdown hook alone would end with 143). Where these
 * signals cannot be handled, a shutdown hook runs the action instead.
 */
public final class Termination {
    private Termination() {}

    @SuppressWarnings("removal")
    public static void onSignal(Runnable action) {
        boolean handled = false;
        for (String name : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
                handled = true;
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // this platform or JVM (-Xrs) does not let us have it: the hook below covers it
            }
        }
        if (!handled) Runtime.getRuntime().addShutdownHook(new Thread(action, "specdec-shutdown"));
    }
}
