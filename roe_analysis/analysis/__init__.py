"""Analysis helpers: pure functions from `JobFrames` (or a frame) to new Polars frames.

Three questions: how long jobs take and where the time goes (durations), how grader scores move
between agent versions (scores), and whether human reviewers agree with the agent and the grader
(agreement).
"""

from __future__ import annotations

# --- durations and scores (block owned by the durations/scores engineer) ---
# --- end durations and scores ---

# --- agreement (block owned by the agreement engineer) ---
# --- end agreement ---

__all__: list[str] = []
