package dev.specdec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.specdec.target.AtomicFile;
import dev.specdec.verifier.DecodeStats;
import java.io.IOException;
import java.nio.file.Path;

/** DecodeStats as JSON, with the field names scripts rely on. */
final class StatsJson {
    private StatsJson() {}

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static ObjectNode of(DecodeStats s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("generated_tokens", s.generatedTokens());
        n.put("prompt_tokens", s.promptTokens());
        n.put("acceptance_rate", s.acceptanceRate());
        n.put("mean_accepted_length", s.meanAcceptedLength());
        n.put("tokens_per_target_call", s.tokensPerTargetCall());
        var pp = n.putArray("per_position_acceptance");
        for (double d : s.perPositionAcceptance()) pp.add(d);
        var h = n.putArray("accepted_length_histogram");
        for (long c : s.acceptedLengthHistogram()) h.add(c);
        n.put("target_calls", s.targetCalls());
        n.put("draft_tokens", s.draftTokens());
        n.put("accepted_tokens", s.acceptedTokens());
        n.put("tokens_per_second", s.tokensPerSecond());
        n.put("draft_ms", s.draftNanos() / 1e6);
        n.put("target_ms", s.targetNanos() / 1e6);
        n.put("verify_ms", s.verifyNanos() / 1e6);
        n.put("prompt_ms", s.promptNanos() / 1e6);
        n.put("total_ms", s.totalNanos() / 1e6);
        n.put("time_to_first_token_ms", s.timeToFirstTokenNanos() / 1e6);
        // which CPU kernels computed this run: "avx512vnni", "avx2", ... or "java"
        var level = dev.specdec.kernels.NativeKernels.level();
        n.put("cpu_kernels", level != null ? level.id() : "java");
        return n;
    }

    static void write(Path file, ObjectNode node) throws IOException {
        AtomicFile.write(file, true, os -> os.write(JSON.writeValueAsBytes(node)));
    }
}
