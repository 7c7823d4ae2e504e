"""Start-up time: ``import netsim`` and ``netsim --help``, each in a fresh interpreter.

Every figure is the median wall time of ``--repeats`` new processes (the first,
which may warm the file cache, is run and thrown away). ``--src DIR`` measures
another source tree (for example a worktree of an older commit) with this
environment's packages, so before/after figures come from one machine in one run.

    .venv/bin/python benchmarks/bench_startup.py
    .venv/bin/python benchmarks/bench_startup.py --src /tmp/before/src --src src

Targets (issue 12): each at most a third of the flat-package figures measured on
the same machine (``import netsim`` 1.5-2 s, ``netsim --help`` about 2.5 s);
issue 17 asks ``import netsim`` <= 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = {
    "import netsim": ["-c", "import netsim"],
    "netsim --help": [
        "-c",
        "import sys; sys.argv = ['netsim', '--help']; from netsim.cli import main; main()",
    ],
    "import netsim; netsim.run (first model)": [
        "-c",
        "import netsim; netsim.run(steps=1)",
    ],
}
TARGETS = {"import netsim": 0.5, "netsim --help": 2.5 / 3}


def median_seconds(args: list[str], src: Path | None, repeats: int) -> float:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    times = []
    for k in range(repeats + 1):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
        if k:  # the first run only warms the file cache
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="processes per figure (median)")
    parser.add_argument(
        "--src", type=Path, action="append", help="source tree(s) to measure (default: installed)"
    )
    options = parser.parse_args()
    trees: list[Path | None] = list(options.src) if options.src else [None]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'tree':<28} {'command':<42} {'median s':>9}  target")
    for tree in trees:
        for name, args in COMMANDS.items():
            seconds = median_seconds(args, tree, options.repeats)
            target = TARGETS.get(name)
            verdict = (
                f"<= {target:.2f} s {'PASS' if seconds <= target else 'MISS'}" if target else "n/a"
            )
            label = str(tree) if tree else "installed"
            print(f"{label:<28} {name:<42} {seconds:>9.3f}  {verdict}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
