"""Postestimation written once over any estimation result (see architecture.md)."""
