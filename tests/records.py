"""A job as the API returns it, for tests that build frames from records (one shape, one place)."""

from __future__ import annotations


def job_id(i: int) -> str:
    """The UUID of test job ``i``."""
    return f"00000000-0000-4000-8000-{i:012d}"


def job(i: int, **overrides: object) -> dict[str, object]:
    """Job ``i``: a finished SUCCESS of version v1 with two events, one input and one metadata pair."""
    base: dict[str, object] = {
        "id": job_id(i),
        "agent_version_name": "v1",
        "status_code": 3,
        "created_at": "2026-05-01T10:00:00Z",
        "last_updated_at": "2026-05-01T10:00:02Z",
        "duration_ms": 2000,
        "status_events": [
            {"timestamp": "2026-05-01T10:00:00Z", "status_code": 0},
            {"timestamp": "2026-05-01T10:00:02Z", "status_code": 3},
        ],
        "job_inputs": [{"key": "text", "description": "d", "data_type": "text/plain", "value": f"v{i}"}],
        "metadata": {"customer": "acme"},
        "ui_fields": {"verdict": "Suspicious"},
        "evaluation": None,
        "feedback_review": None,
    }
    base.update(overrides)
    return base
