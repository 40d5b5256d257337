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

# What differs from poscore's own call, so a ratio is read for what it is.
NOTES = {
    "poscore native iso87ascii": "criterion median of `Message::unpack(spec, &m.pack(spec)?)`",
    "poscore native iso87binary": "same, on iso87binary",
    "poscore wasm (Node)": "npm package API: message object in, plain object out (JSON across the wasm boundary)",
    "poscore UniFFI (Kotlin API, JVM)": "`Iso8583.pack/unpack` over UniFFI + JNA (`Iso8583Message`, `Map<Int, FieldValue>`)",
    "pyiso8583 default_ascii": "`iso8583.encode(dict(msg))` + `decode`",
    "npm iso_8583 (Node)": "`new Iso(msg).getRawMessage()` + `getIsoJSON`; its layout: binary 16-byte bitmap (secondary always sent), 53/64 redefined to fit",
    "moov-io/iso8583 (Go)": "Spec87ASCII with an 8-byte bitmap and 52/64 as 8 bytes (the stock 52/64 cannot unpack what they pack)",
    "jPOS ISO87APackager": "`ISOMsg.pack()` + `unpack` into a new `ISOMsg`; field 55 as hex text (LLLCHAR)",
    "jPOS ISO87BPackager": "same; field 55 as IFB_LLLBINARY 255",
    "iso8583_rs 0.1.10 (Rust)": "YAML spec of the iso87ascii fields; binary bitmap (the crate has no hex-ASCII bitmap); little validation",
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
    "| implementation | compared on | bytes (sale / response) | µs pack+unpack sale | µs response | µs total | ratio vs poscore native | same bytes as poscore | what is timed |",
    "|---|---|---|---:|---:|---:|---:|---|---|",
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
        f"| {impl} | {spec} "
        f"| {r[MESSAGES[0]][0]} / {r[MESSAGES[1]][0]} | {r[MESSAGES[0]][1]:.2f} | {r[MESSAGES[1]][1]:.2f} | {t:.2f} "
        f"| {ratio} | {same} | {NOTES.get(impl, '')} |"
    )

# The surfaces against the peer that lives on the same runtime.
pairs = [("poscore wasm (Node)", "npm iso_8583 (Node)"), ("poscore UniFFI (Kotlin API, JVM)", "jPOS ISO87APackager")]
pairs = [(a, b) for a, b in pairs if total(a) and total(b)]
if pairs:
    lines += ["", "Same runtime (ratio = peer µs / poscore µs; above 1 means poscore is faster):", "",
              "| poscore surface | µs total | peer | µs total | ratio |", "|---|---:|---|---:|---:|"]
    for a, b in pairs:
        lines.append(f"| {a} | {total(a):.2f} | {b} | {total(b):.2f} | {total(b) / total(a):.2f}× |")

lines += ["", "Ratios are peer time / poscore native time on the same layout (above 1: poscore is faster). "
          "Every row is a median: peers time 10 batches after a warm-up (JVM at least 2 s, Node 1 s), "
          "poscore native is criterion's median of 100 samples. Only rows of one run compare."]

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
