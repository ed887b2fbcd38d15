package dev.specdec.server;

import dev.specdec.engine.Request;
import dev.specdec.engine.Speculation;
import dev.specdec.sampling.SamplingParams;
import java.util.List;

/**
 * A checked completion request: everything the server needs, in the engine's terms.
 *
 * @param format       chat or text completion (the response shapes)
 * @param prompt       the prompt's token ids (a chat already rendered with the model's template)
 * @param maxTokens    tokens to generate at most
 * @param sampling     the sampling parameters, with the seed fixed
 * @param stop         stop strings
 * @param speculation  how to speculate (always explicit, so each request gets a fresh draft-length
 *                     policy and its k choices do not depend on the requests before it on a session)
 * @param stream       answer as server-sent events
 * @param includeUsage streaming: a last chunk with the usage
 */
record ApiRequest(
        Format format,
        int[] prompt,
        int maxTokens,
        SamplingParams sampling,
        List<String> stop,
        Speculation speculation,
        boolean stream,
        boolean includeUsage) {

    Request toEngineRequest() {
        return Request.tokens(prompt)
                .maxTokens(maxTokens)
                .sampling(sampling)
                .stop(stop)
                .speculation(speculation)
                .build();
    }
}
