"""`version_name` takes one name or a list: validated, deduplicated and split before any request."""

from __future__ import annotations

import pytest

import roe_analysis as ra
from roe_analysis.api import JobQuery

ORG = "00000000-0000-4000-8000-000000000000"


def test_a_single_item_list_is_exactly_the_name() -> None:
    assert JobQuery.build(version_name=["v2.0"]) == JobQuery.build(version_name="v2.0")
    assert JobQuery.build(version_name=("v2.0",)).version_name == "v2.0"
    assert JobQuery.build(version_name=["v2.0"]).params(ORG) == JobQuery.build(version_name="v2.0").params(ORG)


def test_several_names_become_a_tuple_without_repeats_in_the_order_given() -> None:
    query = JobQuery.build(version_name=["v2.0", "v1.0", "v2.0", "v1.0"])
    assert query.version_name == ("v2.0", "v1.0")
    assert query.version_names == ("v2.0", "v1.0")
    # Repeats of one name collapse to the name itself.
    assert JobQuery.build(version_name=["v1.0", "v1.0"]).version_name == "v1.0"
    assert JobQuery.build().version_names == ()


def test_per_version_gives_one_single_version_query_per_name() -> None:
    query = JobQuery.build(version_name=["v1.0", "v2.0"], status_code="SUCCESS", page_size=50)
    parts = query.per_version()
    assert [p.version_name for p in parts] == ["v1.0", "v2.0"]
    assert [p.params(ORG)["version_name"] for p in parts] == ["v1.0", "v2.0"]
    assert all(p.status_code == (3,) and p.page_size == 50 for p in parts)
    one = JobQuery.build(version_name="v1.0")
    assert one.per_version() == (one,)
    assert JobQuery.build().per_version() == (JobQuery.build(),)


def test_params_refuses_a_multi_version_query() -> None:
    query = JobQuery.build(version_name=["v1.0", "v2.0"])
    with pytest.raises(
        ra.InvalidArgumentError,
        match=r"^params\(\) needs a single-version query, but this one names 2 versions \['v1\.0', 'v2\.0'\] "
        r"and the API's version_name matches one: send each query of per_version\(\) instead\.$",
    ):
        query.params(ORG)


def test_describe_records_the_list() -> None:
    assert JobQuery.build(version_name=["v1.0", "v2.0"]).describe()["version_name"] == ["v1.0", "v2.0"]
    assert JobQuery.build(version_name=["v1.0"]).describe()["version_name"] == "v1.0"


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (
            [],
            ra.InvalidArgumentError,
            "version_name is an empty list: pass at least one version name, or leave version_name out to get "
            "every version.",
        ),
        (
            (),
            ra.InvalidArgumentError,
            "version_name is an empty list: pass at least one version name, or leave version_name out to get "
            "every version.",
        ),
        (
            "",
            ra.InvalidArgumentError,
            "version_name '' is blank: no version has that name. Give a version such as 'v2.0', or leave "
            "version_name out to get every version.",
        ),
        (
            ["v1.0", "  "],
            ra.InvalidArgumentError,
            "version_name '  ' is blank: no version has that name. Give a version such as 'v2.0', or leave "
            "version_name out to get every version.",
        ),
        (
            ["v1.0", 2],
            ra.ArgumentTypeError,
            "version_name must be a string or a list of strings; got int 2 in ['v1.0', 2].",
        ),
        (2, ra.ArgumentTypeError, "version_name must be a string or a list of strings; got int 2."),
        (
            {"v1.0"},
            ra.ArgumentTypeError,
            "version_name must be a string or a list of strings; got set {'v1.0'}.",
        ),
    ],
)
def test_bad_version_names_are_refused_with_what_to_do(value: object, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        JobQuery.build(version_name=value)  # type: ignore[arg-type]
    assert str(info.value) == message
    # Argument errors stay ValueErrors (and wrong types TypeErrors) for `except` clauses written before.
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TypeError) == (error is ra.ArgumentTypeError)
