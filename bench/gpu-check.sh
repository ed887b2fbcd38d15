#!/usr/bin/env bash
# The GPU check: run once on a machine with an NVIDIA GPU (about 8 minutes).
# 1. builds specdec (nvcc compiles the kernels into the jar),
# 2. runs the GPU test tag: GPU logits vs CPU logits on every test model (argmax equal, small max error),
#    batch invariance on the GPU, greedy speculative == greedy plain on the GPU,
# 3. a short decode benchmark of synthetic 1B-shape Q8_0 and Q4_0 models on the GPU: tokens/s, achieved
#    GB/s against the card's memory bandwidth, and the cost of a b-row pass vs 1 row for b = 1..17.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
PEAK_GBPS="${PEAK_GBPS:-4800}"   # H200: 4.8 TB/s HBM3e; set PEAK_GBPS for other cards
OUT="${OUT:-/tmp/specdec-gpu}"
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
echo "== build"
mvn -B -ntp -q install -DskipTests
echo "== GPU tests"
mvn -B -ntp test -pl target,verifier -Dgroups=gpu -Dspecdec.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false \
  | grep -E "Tests run|FAIL|Skipped|expected|max \|gpu" | tee "$OUT/gpu-tests.txt"
echo "== decode benchmark (device cuda)"
for t in Q8_0 Q4_0; do
  [ -f "$OUT/1b-$t.gguf" ] || ./specdec synth --shape 1b --type "$t" --out "$OUT/1b-$t.gguf"
done
./specdec bench "$OUT/1b-Q8_0.gguf" "$OUT/1b-Q4_0.gguf" --device cuda --reps 3 --decode-tokens 32 --max-b 17 --pp 64 \
  --bandwidth-mib 256 --output csv | tee "$OUT/bench.csv"
echo "== achieved bandwidth vs the card's ${PEAK_GBPS} GB/s"
awk -F, -v peak="$PEAK_GBPS" 'NR > 1 && NF > 5 { printf "%s: %.1f tok/s, %.0f GB/s = %.1f%% of peak\n", $1, $5, $7, 100 * $7 / peak }' "$OUT/bench.csv"
