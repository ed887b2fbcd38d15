package dev.specdec.cli;

import dev.specdec.engine.Engine;
import dev.specdec.server.ServerConfig;
import dev.specdec.server.SpecdecServer;
import dev.specdec.server.Termination;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** An OpenAI-compatible HTTP server until SIGTERM or Ctrl-C. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Serve the model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/models, /health, "
                        + "/metrics) until SIGTERM or Ctrl-C, which finish or cancel running requests and exit 0. Binds to loopback unless --host says otherwise.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            description = "Target model (GGUF or llama2.c .bin).")
    Path model;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "Address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--port",
            defaultValue = "" + ServerConfig.DEFAULT_PORT,
            description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--max-sessions",
            defaultValue = "" + ServerConfig.DEFAULT_MAX_SESSIONS,
            description = "Requests generating at once, each with its own KV cache (default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Option(
            names = "--queue",
            defaultValue = "" + ServerConfig.DEFAULT_QUEUE,
            description = "Requests that may wait for a free session; more get 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(
            names = "--api-key",
            description = "Require 'Authorization: Bearer KEY' on /v1 (default: $SPECDEC_API_KEY, else none).")
    String apiKey;

    @Option(
            names = "--timeout",
            defaultValue = "600",
            description =
                    "Seconds a request may take, queueing included; then it is cancelled (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(
            names = "--shutdown-grace",
            defaultValue = "10",
            description =
                    "Seconds a shutdown lets running requests finish before cancelling them (default: ${DEFAULT-VALUE}).")
    int graceSeconds;

    @Option(
            names = "--model-id",
            description = "The model id /v1/models lists and requests may name (default: the model's file name).")
    String modelId;

    @Option(
            names = "--no-back-off",
            description =
                    "Keep each request's draft length as its policy says even when batched requests make draft rows "
                            + "cost more than they give (by default speculation backs off per request, from the measured cost curve).")
    boolean noBackOff;

    @Mixin
    ModelOptions mo;

    @Mixin
    SamplingOptions so;

    @Mixin
    DraftOptions dro;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        var params = so.params();
        mo.check();
        dro.check();
        Usage.require(spec, port >= 0 && port <= 65535, "--port must be 0..65535, got " + port);
        Usage.require(spec, maxSessions >= 1, "--max-sessions must be >= 1, got " + maxSessions);
        Usage.require(spec, queue >= 0, "--queue must be >= 0, got " + queue);
        Usage.require(spec, timeoutSeconds >= 1, "--timeout must be >= 1 second, got " + timeoutSeconds);
        Usage.require(spec, graceSeconds >= 0, "--shutdown-grace must be >= 0, got " + graceSeconds);
        String key = apiKey != null ? apiKey : System.getenv("SPECDEC_API_KEY");
        Usage.require(spec, key == null || !key.isBlank(), "--api-key is empty");
        ServerConfig config = new ServerConfig(
                host,
                port,
                maxSessions,
                queue,
                key,
                Duration.ofSeconds(timeoutSeconds),
                ServerConfig.DEFAULT_MAX_BODY,
                Duration.ofSeconds(graceSeconds),
                modelId,
                so.seed);
        try (Engine engine = dro.applyTo(mo.engine(model))
                .sampling(params)
                .backOffInBatches(!noBackOff)
                .build()) {
            SpecdecServer server = listen(engine, config);
            CountDownLatch stop = new CountDownLatch(1);
            Termination.onSignal(stop::countDown);
            err.println("specdec: serving " + server.modelId() + " at " + server.baseUri() + "/v1 (" + engine + ", "
                    + dro.describe(engine) + ", " + maxSessions + " sessions, queue " + queue
                    + (key != null ? ", API key required" : "") + ")");
            err.flush();
            stop.await();
            err.println("specdec: shutting down: running requests get " + graceSeconds
                    + " s to finish, then are cancelled");
            err.flush();
            server.shutdown(config.shutdownGrace());
        }
        return 0;
    }

    private SpecdecServer listen(Engine engine, ServerConfig config) throws IOException {
        try {
            return SpecdecServer.start(engine, config);
        } catch (BindException e) {
            throw new IllegalArgumentException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + " (another server there? choose another --port)");
        } catch (java.nio.channels.UnresolvedAddressException e) {
            throw new IllegalArgumentException("--host " + host + " is not an address of this machine");
        }
    }
}
