package dev.specdec.engine;

import dev.specdec.sampling.SamplingParams;
import java.util.List;

/**
 * One generation to run: a prompt (text, chat messages or token ids), how many tokens at most, how
 * to sample, when to stop, and optionally how to speculate. Immutable; build with
 * {@link #text}, {@link #chat} or {@link #tokens}. What is not set comes from the engine's defaults.
 */
public final class Request {
    /** Tokens generated at most when a request does not say. */
    public static final int DEFAULT_MAX_TOKENS = 256;

    private final String text;
    private final List<Chat.Message> messages;
    private final int[] tokens;
    private final boolean addBos;
    private final int maxTokens;
    private final SamplingParams sampling;
    private final List<String> stop;
    private final boolean stopAtEndOfGeneration;
    private final Speculation speculation;

    private Request(Builder b) {
        this.text = b.text;
        this.messages = b.messages;
        this.tokens = b.tokens;
        this.addBos = b.addBos;
        this.maxTokens = b.maxTokens;
        this.sampling = b.sampling;
        this.stop = b.stop;
        this.stopAtEndOfGeneration = b.stopAtEndOfGeneration;
        this.speculation = b.speculation;
    }

    /** A text prompt, tokenized with BOS where the vocabulary wants one. */
    public static Builder text(String prompt) {
        if (prompt == null) throw new IllegalArgumentException("the prompt is null");
        Builder b = new Builder();
        b.text = prompt;
        return b;
    }

    /** A conversation, rendered with the model's chat template; the reply stops at its end-of-turn token. */
    public static Builder chat(List<Chat.Message> messages) {
        if (messages == null || messages.isEmpty())
            throw new IllegalArgumentException("a chat request needs at least one message");
        Builder b = new Builder();
        b.messages = List.copyOf(messages);
        return b;
    }

    /** A prompt given as token ids, used as they are. */
    public static Builder tokens(int... ids) {
        if (ids == null || ids.length == 0)
            throw new IllegalArgumentException("the prompt is empty: give at least one token");
        Builder b = new Builder();
        b.tokens = ids.clone();
        return b;
    }

    String text() {
        return text;
    }

    List<Chat.Message> messages() {
        return messages;
    }

    int[] tokenIds() {
        return tokens;
    }

    boolean addBos() {
        return addBos;
    }

    public int maxTokens() {
        return maxTokens;
    }
    /** The sampling parameters, or null for the engine's. */
    public SamplingParams sampling() {
        return sampling;
    }

    public List<String> stop() {
        return stop;
    }

    public boolean stopAtEndOfGeneration() {
        return stopAtEndOfGeneration;
    }
    /** The speculation settings, or null for the session's. */
    public Speculation speculation() {
        return speculation;
    }

    public static final class Builder {
        private String text;
        private List<Chat.Message> messages;
        private int[] tokens;
        private boolean addBos = true;
        private int maxTokens = DEFAULT_MAX_TOKENS;
        private SamplingParams sampling;
        private List<String> stop = List.of();
        private boolean stopAtEndOfGeneration = true;
        private Speculation speculation;

        private Builder() {}

        /** Tokens to generate at most (>= 0). */
        public Builder maxTokens(int n) {
            if (n < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + n);
            maxTokens = n;
            return this;
        }

        public Builder sampling(SamplingParams p) {
            sampling = p;
            return this;
        }

        /** Greedy decoding (temperature 0): the same text every time, with or without speculation. */
        public Builder greedy() {
            sampling = SamplingParams.greedy();
            return this;
        }

        /** Stop when any of these strings appears; the text ends before it. */
        public Builder stop(String... strings) {
            for (String s : strings)
                if (s == null || s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
            stop = List.of(strings);
            return this;
        }

        public Builder stop(List<String> strings) {
            return stop(strings.toArray(String[]::new));
        }

        /** Keep generating past end-of-generation tokens. */
        public Builder ignoreEndOfGeneration() {
            stopAtEndOfGeneration = false;
            return this;
        }

        /** For text prompts: whether to add BOS when the vocabulary wants one (default true). */
        public Builder addBos(boolean add) {
            addBos = add;
            return this;
        }

        /** Speculation settings for this request only (a fresh draft-length policy for it). */
        public Builder speculation(Speculation s) {
            speculation = s;
            return this;
        }

        public Request build() {
            return new Request(this);
        }
    }
}
