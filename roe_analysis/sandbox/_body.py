"""A request body read the way DRF reads it, and the ``job_ids`` field of the bulk results request.

`read_data` is DRF's ``request.data``: no body is an empty object; ``application/json`` goes through
``JSONParser`` (strict: ``NaN`` is refused) and a syntax error is ``ParseError("JSON parse error -
...")``; a form body goes through ``FormParser``; any other media type is ``UnsupportedMediaType``
(DRF would parse ``multipart/form-data`` too; the sandbox answers it 415).

`job_ids` is ``serializers.ListField(child=serializers.UUIDField(), allow_empty=False,
max_length=1000)`` inside a ``Serializer``, messages and their order included: the type checks, then
every item (a failing item's messages are keyed by its index, as ``ListField.run_child_validation``
reports them), then the length validator.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

MAX_JOB_IDS = 1000
_FORM = "application/x-www-form-urlencoded"


class ParseError(ValueError):
    """DRF's ``ParseError`` (400): the body is not what its content type says."""


class UnsupportedMediaTypeError(ValueError):
    """DRF's ``UnsupportedMediaType`` (415)."""

    def __init__(self, media_type: str) -> None:
        super().__init__(f'Unsupported media type "{media_type}" in request.')


class BodyValidationError(ValueError):
    """A serializer's errors: field → messages (or, for a list, item index → messages)."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(json.dumps(errors))
        self.errors = errors


def _strict_constant(name: str) -> Any:
    # rest_framework.utils.json.strict_constant
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


def read_data(body: bytes, content_type: str | None) -> Any:
    """The parsed body, as DRF's ``request.data``.

    Raises:
        ParseError: invalid JSON (the message is DRF's: ``JSON parse error - ...``).
        UnsupportedMediaTypeError: a media type DRF has no parser for here.

    Examples:
        >>> read_data(b'{"job_ids": []}', "application/json; charset=utf-8")
        {'job_ids': []}
        >>> read_data(b"", None)
        {}
        >>> try:
        ...     read_data(b"{oops", "application/json")
        ... except ParseError as exc:
        ...     print(exc)
        JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)
    """
    if not body:
        return {}
    media_type, _, parameters = (content_type or "").partition(";")
    media_type = media_type.strip().lower()
    charset = "utf-8"
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            with contextlib.suppress(LookupError):
                charset = codecs.lookup(value.strip().strip('"')).name
    if media_type == "application/json":
        try:
            return json.loads(body.decode(charset), parse_constant=_strict_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
    if media_type == _FORM:
        return parse_qs(body.decode(charset, errors="replace"), keep_blank_values=True)
    raise UnsupportedMediaTypeError(media_type)


def _uuid(item: Any) -> str:
    # serializers.UUIDField.to_internal_value: an int is a UUID's integer form (so is a bool: it is
    # an int in Python); a string is anything uuid.UUID(hex=...) accepts.
    if isinstance(item, int):
        return str(uuid.UUID(int=item))
    if isinstance(item, str):
        return str(uuid.UUID(hex=item))
    raise ValueError(item)


def job_ids(data: Any) -> list[str]:
    """The validated ids, normalised to lower-case hyphenated form, in request order.

    Raises:
        BodyValidationError: with DRF's body.

    Examples:
        >>> job_ids({"job_ids": ["{6F9619FF-8B86-D011-B42D-00C04FC964FF}"]})
        ['6f9619ff-8b86-d011-b42d-00c04fc964ff']
        >>> try:
        ...     job_ids({"job_ids": ["6f9619ff-8b86-d011-b42d-00c04fc964ff", "nope", None]})
        ... except BodyValidationError as exc:
        ...     exc.errors
        {'job_ids': {'1': ['Must be a valid UUID.'], '2': ['This field may not be null.']}}
    """
    if data is None:
        raise BodyValidationError({"non_field_errors": ["This field may not be null."]})
    if not isinstance(data, Mapping):
        raise BodyValidationError(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]}
        )
    if "job_ids" not in data:
        raise BodyValidationError({"job_ids": ["This field is required."]})
    value = data["job_ids"]
    if value is None:
        raise BodyValidationError({"job_ids": ["This field may not be null."]})
    if not isinstance(value, list):
        raise BodyValidationError({"job_ids": [f'Expected a list of items but got type "{type(value).__name__}".']})
    if not value:
        raise BodyValidationError({"job_ids": ["This list may not be empty."]})
    ids: list[str] = []
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(value):
        if item is None:
            errors[str(index)] = ["This field may not be null."]
            continue
        try:
            ids.append(_uuid(item))
        except ValueError:
            errors[str(index)] = ["Must be a valid UUID."]
    if errors:
        raise BodyValidationError({"job_ids": errors})
    if len(ids) > MAX_JOB_IDS:
        raise BodyValidationError({"job_ids": [f"Ensure this field has no more than {MAX_JOB_IDS} elements."]})
    return ids
