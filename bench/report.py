#!/usr/bin/env python3
"""Builds the table of scripts/bench-iso8583 from what its steps wrote:
  results.tsv   lines "bench<TAB>implementation<TAB>message<TAB>bytes<TAB>us<TAB>packed hex" from
                every peer, and the same for poscore native (from criterion's estimates);
  native.log    the criterion bench's stderr ("allocations ..." and "packed ..." lines);
  skipped.txt   one "step: reason" line per skipped step.
Each implementation is compared with poscore native on the same wire layout (iso87ascii or
iso87binary): microseconds per pack+unpack of the 0200 sale plus the 0210 approval, the ratio
(peer time / poscore time; above 1 means poscore is faster) and whether the peer's bytes are
those poscore packs. Prints Markdown and writes it to the file given as the only argument."""
import os
import re
import sys

out_path = sys.argv[1]
d = os.path.dirname(out_path)
MESSAGES = ("0200 sale", "0210 approval")
LAYOUT = {  # implementation -> the poscore spec its message layout is compared with
    "jPOS ISO87BPackager": "iso87binary",
    "poscore native iso87binary": "iso87binary",
}

rows = {}
for line in open(os.path.join(d, "results.tsv"), encoding="utf-8"):
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 6 or parts[0] != "bench":
        continue
    _, impl, msg, size, us, hexed = parts[:6]
    rows.setdefault(impl, {})[msg] = (int(size), float(us), hexed.upper())

packed, allocs = {}, {}
log = os.path.join(d, "native.log")
if os.path.exists(log):
    for line in open(log, encoding="utf-8"):
        m = re.match(r"packed (\S+) (0\d{3} \w+): ([0-9A-F]+)$", line.strip())
        if m:
            packed[(m[1], m[2])] = m[3]
        m = re.match(r"allocations (\S+) (0\d{3} \w+) (.+): ([\d.]+) per op \((\d+) bytes\)$", line.strip())
        if m:
            allocs.setdefault(m[1], {}).setdefault(m[3], {})[m[2]] = (float(m[4]), int(m[5]))

def total(impl):
    r = rows.get(impl, {})
    return sum(r[m][1] for m in MESSAGES) if all(m in r for m in MESSAGES) else None

lines = [
    "| implementation | layout | bytes (sale / response) | µs pack+unpack sale | µs response | µs total | ratio vs poscore native | same bytes as poscore |",
    "|---|---|---|---:|---:|---:|---:|---|",
]
order = sorted(rows, key=lambda i: (not i.startswith("poscore native"), LAYOUT.get(i, "iso87ascii"), total(i) or 1e18))
for impl in order:
    r, t = rows[impl], total(impl)
    if t is None:
        continue
    spec = LAYOUT.get(impl, "iso87ascii")
    base = total(f"poscore native {spec}")
    ratio = f"{t / base:.1f}×" if base else "n/a"
    same = []
    for m in MESSAGES:
        ref = packed.get((spec, m))
        same.append("n/a" if ref is None else ("yes" if r[m][2] == ref else "no"))
    same = "yes" if same == ["yes", "yes"] else " / ".join(same)
    lines.append(
        f"| {impl} | {spec if impl.startswith('poscore') or spec == 'iso87binary' or same == 'yes' else spec + '-like'} "
        f"| {r[MESSAGES[0]][0]} / {r[MESSAGES[1]][0]} | {r[MESSAGES[0]][1]:.2f} | {r[MESSAGES[1]][1]:.2f} | {t:.2f} "
        f"| {ratio} | {same} |"
    )

if allocs:
    lines += ["", "poscore native heap allocations per operation (count, bytes), from a counting global allocator:", "",
              "| spec | operation | 0200 sale | 0210 approval |", "|---|---|---:|---:|"]
    for spec in ("iso87ascii", "iso87binary", "cup-pos"):
        for op, per in allocs.get(spec, {}).items():
            cells = [f"{per[m][0]:g} ({per[m][1]} B)" if m in per else "" for m in MESSAGES]
            lines.append(f"| {spec} | {op} | {cells[0]} | {cells[1]} |")

skipped = os.path.join(d, "skipped.txt")
if os.path.exists(skipped) and os.path.getsize(skipped):
    lines += ["", "Skipped:", ""] + [f"- {s.strip()}" for s in open(skipped, encoding="utf-8") if s.strip()]

text = "\n".join(lines) + "\n"
print(text, end="")
with open(out_path, "w", encoding="utf-8") as f:
    f.write(text)
