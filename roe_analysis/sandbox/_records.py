"""One job as the sandbox serves it: `JobRecord` and the bytes it is sent as (`encode_json`).

The store builds and replaces records; the query code filters, orders and pages them. Both import
this module, and it imports neither.
"""

from __future__ import annotations

import json
import re
from typing import Any

from roe_analysis.sandbox._status import review_state_of
from roe_analysis.sandbox._timefmt import parse_instant

_STOPWORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "is", "of", "on", "or", "the", "to", "with"})
_TOKEN = re.compile(r"\w+")


def encode_json(value: Any) -> bytes:
    """Serialise like DRF's ``JSONRenderer``: compact, UTF-8, U+2028/U+2029 escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def tokens(text: str) -> frozenset[str]:
    """Lower-case word tokens of ``text`` without a few English stop words.

    Examples:
        >>> sorted(tokens("Wire transfer to a NEW beneficiary"))
        ['beneficiary', 'new', 'transfer', 'wire']
    """
    return frozenset(t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS)


class JobRecord:
    """One job and what serving it needs: sort keys, search text and cached JSON bytes."""

    __slots__ = ("_blobs", "_haystack", "_tokens", "cost", "created_us", "grader", "job", "updated_us")
    job: dict[str, Any]
    created_us: int
    updated_us: int
    cost: float | None
    grader: float | None

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        self.created_us = parse_instant(job["created_at"])
        self.updated_us = parse_instant(job["last_updated_at"])
        ui_fields = job.get("ui_fields")
        cost = ui_fields.get("cost") if isinstance(ui_fields, dict) else None
        self.cost = cost if isinstance(cost, int | float) and not isinstance(cost, bool) else None
        evaluation = job.get("evaluation")
        self.grader = evaluation.get("grader_score") if isinstance(evaluation, dict) else None
        self._blobs: dict[tuple[bool, bool], bytes] = {}
        self._haystack: str | None = None
        self._tokens: frozenset[str] | None = None

    @property
    def input_values(self) -> list[str]:
        """Every input's ``value``."""
        return [str(item.get("value", "")) for item in self.job.get("job_inputs") or ()]

    @property
    def haystack(self) -> str:
        """Lower-cased id, version name and input values, for ``search``."""
        if self._haystack is None:
            parts = [self.job["id"], self.job["agent_version_name"], *self.input_values]
            self._haystack = "\x00".join(parts).lower()
        return self._haystack

    @property
    def tokens(self) -> frozenset[str]:
        """Word tokens of the input values, for ``semantic_string``."""
        if self._tokens is None:
            self._tokens = tokens(" ".join(self.input_values))
        return self._tokens

    @property
    def verdicts(self) -> frozenset[str]:
        """The agent's verdict and the reviewer's corrected verdict, whichever exist."""
        found = set()
        ui_fields = self.job.get("ui_fields")
        if isinstance(ui_fields, dict) and isinstance(ui_fields.get("verdict"), str):
            found.add(ui_fields["verdict"])
        review = self.job.get("feedback_review")
        if isinstance(review, dict) and isinstance(review.get("corrected_verdict"), str):
            found.add(review["corrected_verdict"])
        return frozenset(found)

    @property
    def review_state(self) -> str:
        """``unreviewed``, ``agreed`` or ``disagreed``."""
        return review_state_of(self.job.get("feedback_review"))

    def blob(self, *, legacy: bool, exclude_metadata: bool) -> bytes:
        """The job's JSON as served (cached per shape)."""
        key = (legacy, exclude_metadata)
        found = self._blobs.get(key)
        if found is None:
            job = self.job
            if legacy or exclude_metadata:
                job = dict(job)
                if legacy:
                    job.pop("review_state", None)
                    job.pop("creator", None)
                if exclude_metadata:
                    job["metadata"] = {}
            found = self._blobs[key] = encode_json(job)
        return found
