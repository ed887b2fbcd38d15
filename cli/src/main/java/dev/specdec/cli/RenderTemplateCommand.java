package dev.specdec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.specdec.engine.ChatTemplate;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Renders chat templates outside a model, for checking them. */
@Command(
        name = "render-template",
        mixinStandardHelpOptions = true,
        description =
                "Render a Jinja chat template for each JSONL input line {\"messages\": [...], \"add_generation_prompt\": true, "
                        + "\"bos_token\": \"...\", \"eos_token\": \"...\"}; print {\"rendered\": \"...\"} or {\"error\": \"...\"} per line, in order.")
final class RenderTemplateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--template", required = true, description = "Template file (.jinja).")
    Path template;

    @Option(names = "--input", required = true, description = "JSONL cases.")
    Path input;

    @Option(
            names = "--today",
            defaultValue = "2024-07-26",
            description =
                    "The date strftime_now reports, ISO (default: ${DEFAULT-VALUE}, as Hugging Face's template tests; 'now' for today).")
    String today;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LocalDate date = today.equals("now")
                ? null
                : Usage.check(spec, () -> {
                    try {
                        return LocalDate.parse(today);
                    } catch (java.time.format.DateTimeParseException e) {
                        throw new IllegalArgumentException(
                                "--today expects an ISO date such as 2024-07-26 or 'now', got '" + today + "'");
                    }
                });
        if (!Files.isRegularFile(template)) throw new IllegalArgumentException(template + ": file not found");
        if (!Files.isRegularFile(input)) throw new IllegalArgumentException(input + ": file not found");
        ChatTemplate t = new ChatTemplate(Files.readString(template, StandardCharsets.UTF_8), date);
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                var o = json.createObjectNode();
                try {
                    JsonNode c = json.readTree(line);
                    if (c == null || !c.has("messages") || !c.get("messages").isArray()) {
                        throw new IllegalArgumentException(
                                "line " + n + ": expected an object with a \"messages\" array");
                    }
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> messages = json.convertValue(c.get("messages"), List.class);
                    o.put(
                            "rendered",
                            t.render(
                                    messages,
                                    c.path("add_generation_prompt").asBoolean(false),
                                    c.path("bos_token").asText(""),
                                    c.path("eos_token").asText("")));
                } catch (ChatTemplate.TemplateException | IllegalArgumentException e) {
                    o.put("error", e.getMessage());
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    o.put("error", "line " + n + ": not JSON: " + e.getOriginalMessage());
                }
                out.println(json.writeValueAsString(o));
            }
        }
        out.flush();
        return 0;
    }
}
