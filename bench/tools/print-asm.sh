#!/usr/bin/env bash
# Prints the x86 code C2 emits for one kernel method, to see what the Vector API became.
#   bench/tools/print-asm.sh 'dev.specdec.kernels.Q4_0::dot' MODEL.gguf
# The model runs a short `specdec bench` (its warm-up drives single-row and batched passes, so both
# the decode and the batched kernels get C2-compiled).
# Needs objdump (binutils). Counts of the interesting instructions follow the listing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/scripts/jdk.sh"
METHOD="$1"; MODEL="$2"
LOG="$(mktemp)"
SPECDEC_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,$METHOD" \
  "$ROOT/specdec" bench "$MODEL" --reps 1 --decode-tokens 8 --max-b 4 --pp 16 --bandwidth-mib 64 --threads 1 > "$LOG" 2>&1 || true
python3 "$ROOT/bench/tools/c2asm.py" "$LOG" "$METHOD" | tee "$LOG.s"
echo "--- instruction counts"
grep -oE '\s(v[a-z0-9]+|cmp|j[a-z]+)\s' "$LOG.s" | sort | uniq -c | sort -rn | head -20
rm -f "$LOG" "$LOG.s"
