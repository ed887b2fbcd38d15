package dev.specdec.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.specdec.engine.TokenStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events: each token's text as a {@code data: {chunk}} event, flushed at once. A write
 * that fails means the client went away: the generation is cancelled (it stops within one step)
 * and nothing more is written.
 */
final class SseStream implements TokenStream {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final Envelope envelope;
    private final Generation generation;
    private boolean broken;

    SseStream(OutputStream out, Envelope envelope, Generation generation) {
        this.out = out;
        this.envelope = envelope;
        this.generation = generation;
    }

    @Override
    public void onToken(int id, String text) {
        if (!text.isEmpty()) send(envelope.chunk(envelope.format().chunkChoice(text, null)));
    }

    @Override
    public void onText(String text) {
        if (!text.isEmpty()) send(envelope.chunk(envelope.format().chunkChoice(text, null)));
    }

    void send(JsonNode event) {
        if (broken) return;
        try {
            write(("data: " + Json.MAPPER.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) { // Jackson's own exceptions are IOExceptions too; none can happen for a tree
            broken();
        }
    }

    /** The end of the stream. */
    void done() {
        if (broken) return;
        try {
            write(DONE);
        } catch (IOException e) {
            broken();
        }
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private void broken() {
        broken = true;
        generation.cancel(Generation.Cancel.DISCONNECTED);
    }

    boolean isBroken() {
        return broken;
    }
}
