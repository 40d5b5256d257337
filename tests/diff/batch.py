"""What the differential suites share: a list of CLI cases, each with its check, run through one
`poscore batch` process (one JSON argv per line in, one JSON answer per line out), and the
summary line scripts/test parses (`N passed, M failed`)."""

import argparse
import json
import random
import subprocess


class Cases:
    def __init__(self):
        self.items = []  # (label, argv, check(answer) -> None or message)

    def add(self, label, argv, check):
        self.items.append((label, [str(a) for a in argv], check))


def main(build, default_n, rounds_help, label_width=38):
    """Runs `build(n, rng) -> Cases` through the CLI named by --cli; returns the exit code."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True, help="path to the poscore binary")
    ap.add_argument("--n", type=int, default=default_n, help=rounds_help)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    cases = build(args.n, random.Random(args.seed))
    stdin = "".join(json.dumps(argv) + "\n" for _, argv, _ in cases.items)
    proc = subprocess.run([args.cli, "batch"], input=stdin, capture_output=True, text=True, check=False)
    answers = proc.stdout.splitlines()
    if proc.returncode != 0 or len(answers) != len(cases.items):
        print(f"poscore batch failed: exit {proc.returncode}, {len(answers)}/{len(cases.items)} answers\n{proc.stderr}")
        print(f"0 passed, {len(cases.items)} failed")
        return 1
    passed = failed = 0
    by_label = {}
    for (label, argv, check), line in zip(cases.items, answers):
        msg = check(json.loads(line))
        if msg is None:
            passed += 1
        else:
            failed += 1
            if failed <= 20:
                print(f"FAIL {label}: {msg}\n  poscore {' '.join(argv)}")
        by_label.setdefault(label, [0, 0])[msg is not None] += 1
    for label, (ok, bad) in sorted(by_label.items()):
        print(f"  {label:<{label_width}} {ok:>6} ok {bad:>4} failed")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
