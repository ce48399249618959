"""Readers for the files missions already keep: spreadsheets, ACLED and HXL exports, deployment tables."""

# The layouts register themselves in ``registry.IMPORTERS`` when imported.
from bluehelmet.imports import acled, deployments, hxl

__all__ = ["acled", "deployments", "hxl"]
