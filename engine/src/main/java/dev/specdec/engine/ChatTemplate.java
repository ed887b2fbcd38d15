package dev.specdec.engine;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a model's chat template (Jinja, from {@code tokenizer.chat_template}) the way Hugging
 * Face's apply_chat_template does: trim_blocks and lstrip_blocks on, a {@code raise_exception(msg)}
 * that aborts with msg, a {@code strftime_now(fmt)}, and the variables messages,
 * add_generation_prompt, bos_token and eos_token. Rendering uses Jinjava, not a hand-written engine.
 */
public final class ChatTemplate {
    /** A template raised an error (e.g. Gemma's "System role not supported"), or could not render. */
    public static final class TemplateException extends RuntimeException {
        public TemplateException(String message) {
            super(message);
        }
    }

    private static final ThreadLocal<LocalDate> TODAY = new ThreadLocal<>();

    private final String source;
    private final Jinjava jinjava;
    private final LocalDate today;

    /** @param today the date strftime_now reports (null = the real date) */
    public ChatTemplate(String source, LocalDate today) {
        this.source = source;
        this.today = today;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        // Jinja semantics: {{- and {#- trim too; "-" binds only inside the delimiters;
                        // operator precedence and Python-like output of lists and maps
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withUsePyishObjectMapper(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build());
        jinjava.getGlobalContext()
                .registerFunction(new ELFunctionDefinition(
                        "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext()
                .registerFunction(
                        new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    }

    /** Renders; throws TemplateException with the template's own message when it raises. */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt, String bos, String eos) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", messages);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", bos);
        ctx.put("eos_token", eos);
        TODAY.set(today != null ? today : LocalDate.now());
        try {
            RenderResult r = jinjava.renderForResult(source, ctx);
            for (TemplateError e : r.getErrors()) {
                if (e.getSeverity() == TemplateError.ErrorType.FATAL) throw new TemplateException(message(e));
            }
            return r.getOutput();
        } finally {
            TODAY.remove();
        }
    }

    private static String message(TemplateError e) {
        Throwable t = e.getException();
        while (t != null) {
            if (t instanceof RaisedException r) return r.getMessage();
            t = t.getCause();
        }
        String m = e.getMessage();
        int at = m == null ? -1 : m.indexOf(RaisedException.PREFIX);
        if (at >= 0) {
            String rest = m.substring(at + RaisedException.PREFIX.length());
            int end = rest.indexOf(RaisedException.SUFFIX);
            return end >= 0 ? rest.substring(0, end) : rest;
        }
        return m;
    }

    /** Thrown by raise_exception; the markers let the message be recovered from Jinjava's wrapping. */
    static final class RaisedException extends RuntimeException {
        static final String PREFIX = "\u0001raise:", SUFFIX = "\u0002";

        RaisedException(String m) {
            super(m);
        }

        @Override
        public String toString() {
            return PREFIX + getMessage() + SUFFIX;
        }
    }

    public static Object raiseException(String message) {
        throw new RaisedException(message);
    }

    /** Python strftime for the directives chat templates use (%d %b %B %Y %m %y %A %a %j %e). */
    public static String strftimeNow(String fmt) {
        LocalDate d = TODAY.get() != null ? TODAY.get() : LocalDate.now();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 == fmt.length()) {
                sb.append(c);
                continue;
            }
            char k = fmt.charAt(++i);
            sb.append(
                    switch (k) {
                        case 'd' -> String.format("%02d", d.getDayOfMonth());
                        case 'e' -> String.format("%2d", d.getDayOfMonth());
                        case 'b' -> d.format(DateTimeFormatter.ofPattern("MMM", Locale.ENGLISH));
                        case 'B' -> d.format(DateTimeFormatter.ofPattern("MMMM", Locale.ENGLISH));
                        case 'Y' -> String.valueOf(d.getYear());
                        case 'y' -> String.format("%02d", d.getYear() % 100);
                        case 'm' -> String.format("%02d", d.getMonthValue());
                        case 'A' -> d.format(DateTimeFormatter.ofPattern("EEEE", Locale.ENGLISH));
                        case 'a' -> d.format(DateTimeFormatter.ofPattern("EEE", Locale.ENGLISH));
                        case 'j' -> String.format("%03d", d.getDayOfYear());
                        case '%' -> "%";
                        default -> "%" + k;
                    });
        }
        return sb.toString();
    }
}
