#!/usr/bin/env bash
# Prints the x86 code C2 emits for one kernel method, to see what the Vector API became.
#   bench/tools/print-asm.sh 'dev.specdec.kernels.Q4_0::dot' MODEL.gguf   (decodes 64 tokens to warm up)
# Needs objdump (binutils). Counts of the interesting instructions follow the listing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/scripts/jdk.sh"
METHOD="$1"; MODEL="$2"
LOG="$(mktemp)"
SPECDEC_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,$METHOD" \
  "$ROOT/specdec" generate -m "$MODEL" -p "Once upon a time" -n 64 --temperature 0 --threads 1 > "$LOG" 2>&1 || true
python3 "$ROOT/bench/tools/c2asm.py" "$LOG" "$METHOD" | tee "$LOG.s"
echo "--- instruction counts"
grep -oE '\s(v[a-z0-9]+|cmp|j[a-z]+)\s' "$LOG.s" | sort | uniq -c | sort -rn | head -20
rm -f "$LOG" "$LOG.s"
