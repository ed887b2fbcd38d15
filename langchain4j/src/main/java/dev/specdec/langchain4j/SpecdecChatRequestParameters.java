package dev.specdec.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.util.Objects;

/**
 * LangChain4j's common request parameters plus what specdec adds: the seed, min-p, repetition
 * penalty, and per-request speculation (draft on or off, k, policy). Extends
 * {@link DefaultChatRequestParameters} the way LangChain4j's OpenAI module does, so the extras
 * survive the merge of a model's defaults with a request's parameters.
 */
public class SpecdecChatRequestParameters extends DefaultChatRequestParameters {
    private final Long seed;
    private final Double minP, repetitionPenalty;
    private final Boolean speculate;
    private final Integer k;
    private final String policy;

    protected SpecdecChatRequestParameters(Builder b) {
        super(b);
        this.seed = b.seed;
        this.minP = b.minP;
        this.repetitionPenalty = b.repetitionPenalty;
        this.speculate = b.speculate;
        this.k = b.k;
        this.policy = b.policy;
    }

    public Long seed() {
        return seed;
    }

    public Double minP() {
        return minP;
    }

    public Double repetitionPenalty() {
        return repetitionPenalty;
    }
    /** False turns speculation off for the request; null keeps the engine's. */
    public Boolean speculate() {
        return speculate;
    }

    public Integer k() {
        return k;
    }

    public String policy() {
        return policy;
    }

    @Override
    public SpecdecChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    @Override
    public SpecdecChatRequestParameters defaultedBy(ChatRequestParameters that) {
        return builder().overrideWith(that).overrideWith(this).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpecdecChatRequestParameters p
                && super.equals(o)
                && Objects.equals(seed, p.seed)
                && Objects.equals(minP, p.minP)
                && Objects.equals(repetitionPenalty, p.repetitionPenalty)
                && Objects.equals(speculate, p.speculate)
                && Objects.equals(k, p.k)
                && Objects.equals(policy, p.policy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), seed, minP, repetitionPenalty, speculate, k, policy);
    }

    @Override
    public String toString() {
        return "SpecdecChatRequestParameters{" + super.toString() + ", seed=" + seed + ", minP=" + minP
                + ", repetitionPenalty=" + repetitionPenalty + ", speculate=" + speculate + ", k=" + k + ", policy="
                + policy + "}";
    }

    public static class Builder extends DefaultChatRequestParameters.Builder<Builder> {
        private Long seed;
        private Double minP, repetitionPenalty;
        private Boolean speculate;
        private Integer k;
        private String policy;

        /** Takes every parameter {@code parameters} sets (the common ones, and specdec's when it has them). */
        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof SpecdecChatRequestParameters p) {
                if (p.seed != null) seed = p.seed;
                if (p.minP != null) minP = p.minP;
                if (p.repetitionPenalty != null) repetitionPenalty = p.repetitionPenalty;
                if (p.speculate != null) speculate = p.speculate;
                if (p.k != null) k = p.k;
                if (p.policy != null) policy = p.policy;
            }
            return this;
        }

        public Builder seed(Long s) {
            seed = s;
            return this;
        }

        public Builder minP(Double p) {
            minP = p;
            return this;
        }

        public Builder repetitionPenalty(Double p) {
            repetitionPenalty = p;
            return this;
        }

        public Builder speculate(Boolean on) {
            speculate = on;
            return this;
        }

        public Builder k(Integer draftTokens) {
            k = draftTokens;
            return this;
        }

        public Builder policy(String name) {
            policy = name;
            return this;
        }

        @Override
        public SpecdecChatRequestParameters build() {
            return new SpecdecChatRequestParameters(this);
        }
    }
}
