"""Readers for the files missions already keep: spreadsheets, ACLED and HXL exports, deployment tables."""
