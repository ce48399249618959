"""Time admin-1 look-ups on 100,000 random points over Mali's bounding box (not a test).

    .venv/bin/python benchmarks/geography_admin1.py

Prints the time per point of admin1_at in a loop and of admin1_at_many, and their ratio; the
two must agree point by point. The seed is fixed so that runs compare.
"""

from __future__ import annotations

import random
import time

from bluehelmet.geography import Boundaries

POINTS = 100_000


def main() -> None:
    mali = Boundaries.load("MLI")
    assert mali is not None
    rng = random.Random(2021)
    points = [(rng.uniform(10.0, 25.1), rng.uniform(-12.4, 4.4)) for _ in range(POINTS)]
    start = time.perf_counter()
    one_by_one = [mali.admin1_at(latitude, longitude) for latitude, longitude in points]
    loop = time.perf_counter() - start
    start = time.perf_counter()
    at_once = mali.admin1_at_many(points)
    many = time.perf_counter() - start
    assert one_by_one == at_once
    inside = sum(region is not None for region in at_once)
    print(f"{POINTS:,} points, {inside / POINTS:.0%} in Mali")
    print(f"admin1_at loop   {loop:6.2f} s  {loop / POINTS * 1e6:5.1f} us/point")
    print(f"admin1_at_many   {many:6.2f} s  {many / POINTS * 1e6:5.1f} us/point  ({loop / many:.1f}x faster)")


if __name__ == "__main__":
    main()
