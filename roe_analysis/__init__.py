"""roe-analysis: load every job of a Roe AI agent into typed Polars frames and analyse them."""

from __future__ import annotations

from roe_analysis._frames import JobFrames

__all__ = ["JobFrames"]
