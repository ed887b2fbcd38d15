package dev.specdec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.specdec.bench.ModelBenchmark;
import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftProposal;
import dev.specdec.target.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measured costs per model file and machine, written by {@code specdec bench} and read by the
 * adaptive draft-length policy: ~/.cache/specdec/profiles/NAME-SIZE-tTHREADS.json.
 */
final class CostProfiles {
    private CostProfiles() {}

    static Path dir() {
        String home = System.getProperty("user.home");
        return Path.of(home, ".cache", "specdec", "profiles");
    }

    static Path fileFor(Path model, int threads) throws IOException {
        return dir().resolve(model.getFileName() + "-" + Files.size(model) + "-t" + threads + ".json");
    }

    static void save(Path model, ModelBenchmark.Result r) throws IOException {
        ObjectNode n = StatsJson.JSON.createObjectNode();
        n.put("model", model.toAbsolutePath().toString());
        n.put("threads", r.threads());
        n.put("decode_ms", 1000.0 / r.decodeTokensPerSecond());
        ObjectNode pc = n.putObject("pass_cost_ratio");
        r.passCostRatio().forEach((b, v) -> pc.put(String.valueOf(b), v));
        Files.createDirectories(dir());
        byte[] json = StatsJson.JSON.writeValueAsBytes(n);
        AtomicFile.write(fileFor(model, r.threads()), true, os -> os.write(json));
    }

    /** The cost model for a target (and a draft model file, or null), from saved profiles where present. */
    static CostModel load(Path target, Path draft, int threads) {
        CostModel prior = CostModel.assumed();
        try {
            Path tp = fileFor(target, threads);
            if (!Files.exists(tp)) return prior;
            JsonNode t = StatsJson.JSON.readTree(tp.toFile());
            double[] pass = new double[DraftProposal.MAX_TOKENS + 2];
            t.get("pass_cost_ratio").fields().forEachRemaining(e -> {
                int b = Integer.parseInt(e.getKey());
                if (b < pass.length) pass[b] = e.getValue().asDouble();
            });
            double draftCost = prior.draftPerToken();
            if (draft != null) {
                Path dp = fileFor(draft, threads);
                if (Files.exists(dp)) draftCost = StatsJson.JSON.readTree(dp.toFile()).get("decode_ms").asDouble() / t.get("decode_ms").asDouble();
            }
            pass[1] = 1;
            return new CostModel(pass, draftCost);
        } catch (IOException | RuntimeException e) {
            return prior;
        }
    }
}
