"""The filters are listed once (`JobFilters`): the query, both clients, the CLI and the manifest agree."""

from __future__ import annotations

import inspect
import typing
from dataclasses import fields

import pytest

import roe_analysis as ra
from roe_analysis.api import FILTER_NAMES, JobFilters, JobQuery
from roe_analysis.cli import _parser


def test_the_filter_list_is_the_validated_querys_fields() -> None:
    assert tuple(f.name for f in fields(JobQuery)) == FILTER_NAMES
    assert tuple(JobQuery.build().describe()) == FILTER_NAMES


@pytest.mark.parametrize(
    "method",
    [ra.RoeClient.load_jobs, ra.RoeClient.iter_pages, ra.AsyncRoeClient.load_jobs, ra.AsyncRoeClient.iter_pages],
)
def test_both_clients_take_exactly_the_listed_filters(method: typing.Callable[..., object]) -> None:
    kwargs = inspect.signature(method).parameters["filters"]
    assert kwargs.kind is inspect.Parameter.VAR_KEYWORD
    assert typing.get_type_hints(method, include_extras=True)["filters"] == typing.Unpack[JobFilters]


def test_the_cli_has_one_option_per_filter() -> None:
    for command in ("fetch", "report"):
        args = _parser().parse_args([command, "--out", "x"])
        assert {name for name in FILTER_NAMES if hasattr(args, name)} == set(FILTER_NAMES), command


def test_an_unknown_filter_names_the_closest_one_before_any_request() -> None:
    with pytest.raises(ra.ArgumentTypeError, match=r"unknown filter 'status'\. Did you mean 'status_code'\?") as info:
        JobQuery.build(status="SUCCESS")  # type: ignore[call-arg]
    assert isinstance(info.value, TypeError) and isinstance(info.value, ra.InvalidArgumentError)
