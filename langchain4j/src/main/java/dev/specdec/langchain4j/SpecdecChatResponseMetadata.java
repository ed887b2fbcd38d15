package dev.specdec.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import java.util.Objects;

/** LangChain4j's response metadata plus the speculation statistics of the generation and the seed it used. */
public class SpecdecChatResponseMetadata extends ChatResponseMetadata {
    private final long draftTokens, acceptedTokens, targetCalls, seed;
    private final double tokensPerTargetCall;

    protected SpecdecChatResponseMetadata(Builder b) {
        super(b);
        this.draftTokens = b.draftTokens;
        this.acceptedTokens = b.acceptedTokens;
        this.targetCalls = b.targetCalls;
        this.tokensPerTargetCall = b.tokensPerTargetCall;
        this.seed = b.seed;
    }

    /** Draft tokens proposed. */
    public long draftTokens() {
        return draftTokens;
    }
    /** Draft tokens the verifier accepted. */
    public long acceptedTokens() {
        return acceptedTokens;
    }

    public double acceptanceRate() {
        return draftTokens == 0 ? 0 : (double) acceptedTokens / draftTokens;
    }
    /** Target passes: one per verification step. */
    public long targetCalls() {
        return targetCalls;
    }

    public double tokensPerTargetCall() {
        return tokensPerTargetCall;
    }
    /** The sampling seed used: give it back to reproduce the reply. */
    public long seed() {
        return seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpecdecChatResponseMetadata m
                && super.equals(o)
                && draftTokens == m.draftTokens
                && acceptedTokens == m.acceptedTokens
                && targetCalls == m.targetCalls
                && seed == m.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), draftTokens, acceptedTokens, targetCalls, seed);
    }

    @Override
    public String toString() {
        return "SpecdecChatResponseMetadata{" + super.toString() + ", draftTokens=" + draftTokens + ", acceptedTokens="
                + acceptedTokens + ", targetCalls=" + targetCalls + ", seed=" + seed + "}";
    }

    public static class Builder extends ChatResponseMetadata.Builder<Builder> {
        private long draftTokens, acceptedTokens, targetCalls, seed;
        private double tokensPerTargetCall;

        public Builder draftTokens(long n) {
            draftTokens = n;
            return this;
        }

        public Builder acceptedTokens(long n) {
            acceptedTokens = n;
            return this;
        }

        public Builder targetCalls(long n) {
            targetCalls = n;
            return this;
        }

        public Builder tokensPerTargetCall(double t) {
            tokensPerTargetCall = t;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        @Override
        public SpecdecChatResponseMetadata build() {
            return new SpecdecChatResponseMetadata(this);
        }
    }
}
