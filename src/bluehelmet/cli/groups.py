"""The command groups made of several modules' commands, put together when first used."""

from __future__ import annotations

from bluehelmet.cli import report, report_draft, stats, stats_mission, stats_readiness

__all__ = ["report_group", "stats_group"]

stats_group = stats.stats_group
for _command in (*stats_mission.COMMANDS, *stats_readiness.COMMANDS):
    stats_group.add_command(_command)
report_group = report.report_group
report_group.add_command(report_draft.draft_group)
