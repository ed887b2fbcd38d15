package dev.specdec.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/** What every response and chunk of one request carries: its id, creation time, model and shape. */
record Envelope(String id, long created, String model, Format format) {

    static Envelope of(Format format, String model) {
        String id = format.idPrefix()
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + Long.toHexString(System.nanoTime());
        return new Envelope(id, Instant.now().getEpochSecond(), model, format);
    }

    ObjectNode response(ObjectNode choice) {
        return head(format.object())
                .set("choices", Json.MAPPER.createArrayNode().add(choice));
    }

    ObjectNode chunk(ObjectNode choice) {
        ObjectNode c = head(format.chunkObject());
        c.putArray("choices").add(choice);
        return c;
    }

    /** OpenAI's usage chunk: no choices. */
    ObjectNode usageChunk() {
        ObjectNode c = head(format.chunkObject());
        c.putArray("choices");
        return c;
    }

    private ObjectNode head(String object) {
        return Json.object()
                .put("id", id)
                .put("object", object)
                .put("created", created)
                .put("model", model);
    }
}
