#!/usr/bin/env python3
"""Disassembles the last C2 compilation of a method from a -XX:+PrintAssembly log.

Without an hsdis plugin HotSpot prints compiled code as hex words; this turns the main code of the
last C2 (tier 4, non-OSR) compilation whose header contains METHOD into bytes and runs objdump.
Debian's libhsdis0-fcml only exports the pre-JDK-13 entry point, so the hex route is what works here.

usage: c2asm.py LOG METHOD      (see print-asm.sh)
"""
import re
import subprocess
import sys
import tempfile

log, method = sys.argv[1], sys.argv[2]
lines = open(log, errors="replace").read().split("\n")
headers = [i for i, l in enumerate(lines) if "Compiled method (c2)" in l and method in l and " % " not in l]
if not headers:
    sys.exit(f"no C2 compilation of {method} in {log}")
start = headers[-1]
code, base, lo, hi = bytearray(), None, None, None
for l in lines[start:]:
    m = re.match(r"\s*main code\s+\[(0x[0-9a-f]+),(0x[0-9a-f]+)\]", l)
    if m:
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        continue
    m = re.match(r"\s*(0x[0-9a-f]+):\s+((?:[0-9a-f]{2,4}\s?\|?\s*)+)$", l)
    if m and lo is not None:
        addr = int(m.group(1), 16)
        if addr < lo:
            continue
        if addr >= hi:
            break
        chunk = bytes.fromhex("".join(m.group(2).replace("|", "").split()))
        base = addr if base is None else base
        code[addr - base:addr - base + len(chunk)] = chunk
with tempfile.NamedTemporaryFile(suffix=".bin") as f:
    f.write(code)
    f.flush()
    out = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", f"--adjust-vma={base}", f.name],
                         capture_output=True, text=True, check=True).stdout
print(lines[start].strip())
print(out.split("<.data>:", 1)[-1])
