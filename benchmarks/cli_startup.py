"""Time `bluehelmet --version` and `bluehelmet --help` against `python -c pass`.

Usage: python benchmarks/cli_startup.py [--repeat N]

Each command runs N times (default 7) in a fresh process through the installed entry point's
module (``python -m bluehelmet``); the best and the median wall-clock times are printed, with the
ratio of each to the best of `python -c pass` (what any Python command costs on this machine).
The target is under 0.3 s: commands are imported only when they run (``bluehelmet.cli.lazy``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_SECONDS = 0.3


def _times(args: list[str], repeat: int) -> list[float]:
    found = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        found.append(time.perf_counter() - start)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    baseline = min(_times([sys.executable, "-c", "pass"], repeat))
    print(f"python -c pass          best {baseline:.3f} s")
    worst = 0.0
    for arg in ("--version", "--help"):
        times = _times([sys.executable, "-m", "bluehelmet", arg], repeat)
        best, median = min(times), statistics.median(times)
        worst = max(worst, median)
        print(f"bluehelmet {arg:<12} best {best:.3f} s  median {median:.3f} s  "
              f"ratio to python -c pass {best / baseline:.1f}x (median {median / baseline:.1f}x)")  # fmt: skip
    verdict = "under" if worst < TARGET_SECONDS else "OVER"
    print(f"median {worst:.3f} s: {verdict} the {TARGET_SECONDS} s target")


if __name__ == "__main__":
    main()
