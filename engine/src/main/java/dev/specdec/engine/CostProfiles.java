package dev.specdec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
public final class CostProfiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CostProfiles() {}

    public static Path dir() {
        String home = System.getProperty("user.home");
        return Path.of(home, ".cache", "specdec", "profiles");
    }

    public static Path fileFor(Path model, int threads) throws IOException {
        return dir().resolve(model.getFileName() + "-" + Files.size(model) + "-t" + threads + ".json");
    }

    /**
     * Saves what a benchmark measured for a model file on this machine.
     *
     * @param passCostRatio the cost of a target pass over b rows relative to one row, by b
     */
    public static void save(
            Path model, int threads, double decodeTokensPerSecond, java.util.Map<Integer, Double> passCostRatio)
            throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("model", model.toAbsolutePath().toString());
        n.put("threads", threads);
        n.put("decode_ms", 1000.0 / decodeTokensPerSecond);
        ObjectNode pc = n.putObject("pass_cost_ratio");
        passCostRatio.forEach((b, v) -> pc.put(String.valueOf(b), v));
        Files.createDirectories(dir());
        byte[] json = JSON.writeValueAsBytes(n);
        AtomicFile.write(fileFor(model, threads), true, os -> os.write(json));
    }

    /** The cost model for a target (and a draft model file, or null), from saved profiles where present. */
    public static CostModel load(Path target, Path draft, int threads) {
        CostModel prior = CostModel.assumed();
        try {
            Path tp = fileFor(target, threads);
            if (!Files.exists(tp)) return prior;
            JsonNode t = JSON.readTree(tp.toFile());
            double[] pass = new double[DraftProposal.MAX_TOKENS + 2];
            t.get("pass_cost_ratio").fields().forEachRemaining(e -> {
                int b = Integer.parseInt(e.getKey());
                if (b < pass.length) pass[b] = e.getValue().asDouble();
            });
            double draftCost = prior.draftPerToken();
            if (draft != null) {
                Path dp = fileFor(draft, threads);
                if (Files.exists(dp))
                    draftCost = JSON.readTree(dp.toFile()).get("decode_ms").asDouble()
                            / t.get("decode_ms").asDouble();
            }
            pass[1] = 1;
            return new CostModel(pass, draftCost);
        } catch (IOException | RuntimeException e) {
            return prior;
        }
    }
}
