"""Optimisers for the planners: a problem in, a plan out, the solver (OR-Tools CP-SAT) hidden inside.

``rotations`` spreads troop rotations over a year; ``tasking`` assigns units to tasks under their
caveats and prices each caveat; ``casevac`` measures casualty-evacuation (10-1-2) coverage. Each
ships a greedy ``baseline_*`` beside the optimiser, and reads and writes the documented JSON
formats (docs/planning.md) strictly.
"""

__all__: list[str] = []
