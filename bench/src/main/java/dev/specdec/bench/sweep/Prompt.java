package dev.specdec.bench.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/** One prompt of a sweep: {"id", "prompt", "category"}. */
public record Prompt(String id, String prompt, String category) {

    /** The ~40 built-in prompts written for specdec (story, chat, code, summarize, lists, math). */
    public static List<Prompt> builtin() {
        try (var in = Prompt.class.getResourceAsStream("prompts.jsonl")) {
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8), "builtin");
        } catch (IOException e) {
            throw new IllegalStateException("built-in prompts missing from the jar", e);
        }
    }

    public static List<Prompt> load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": file not found");
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r, file.toString());
        }
    }

    private static List<Prompt> parse(Reader reader, String name) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Prompt> out = new ArrayList<>();
        var ids = new HashSet<String>();
        BufferedReader r = new BufferedReader(reader);
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            if (line.isBlank()) continue;
            JsonNode o;
            try {
                o = json.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(name + " line " + n + ": not JSON");
            }
            if (o == null || !o.path("id").isTextual() || !o.path("prompt").isTextual()) {
                throw new IllegalArgumentException(name + " line " + n
                        + ": expected {\"id\": \"...\", \"prompt\": \"...\", \"category\": \"...\"}");
            }
            if (!ids.add(o.get("id").asText()))
                throw new IllegalArgumentException(
                        name + " line " + n + ": duplicate id " + o.get("id").asText());
            out.add(new Prompt(
                    o.get("id").asText(),
                    o.get("prompt").asText(),
                    o.path("category").asText("uncategorized")));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(name + ": no prompts");
        return out;
    }
}
