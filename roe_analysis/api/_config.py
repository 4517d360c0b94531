"""Client settings: keyword arguments first, then the official SDK's environment variables.

`ROE_API_KEY`, `ROE_ORGANIZATION_ID`, `ROE_BASE_URL` (default ``https://api.roe-ai.com``),
`ROE_TIMEOUT` and `ROE_MAX_RETRIES` mean here what they mean in the official `roe-ai` SDK.

Everything is checked here, before any request, so that nothing later can fail on a setting with
a non-library error: a key with surrounding whitespace, whitespace, control or invisible
formatting characters inside is refused (the message names the position, never the key), and a
base URL whose host is not a valid host name (an invalid IDNA label such as ``xn--zz``, a label
longer than 63 characters, an empty label as in ``a..b``, a character no host name has) is a
`ConfigurationError`, not an idna or socket error at the first request.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

import httpx

from roe_analysis.errors import ConfigurationError

T = TypeVar("T", int, float)

DEFAULT_BASE_URL = "https://api.roe-ai.com"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_CONCURRENCY = 8


class Secret:
    """A string that never shows itself: repr, str and format all print a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: only for building the Authorization header."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled: it would write the API key to disk")


@dataclass(frozen=True, repr=False)
class Settings:
    """Resolved, validated client settings. Its repr masks the key."""

    api_key: Secret
    organization_id: str
    base_url: httpx.URL
    timeout: float
    max_retries: int
    concurrency: int

    def __repr__(self) -> str:
        return (
            f"Settings(base_url='{self.base_url}', organization_id='{self.organization_id}', "
            f"timeout={self.timeout}, max_retries={self.max_retries}, concurrency={self.concurrency}, "
            f"api_key=**********)"
        )


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, ``*.localhost`` or a loopback address)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_LABEL = re.compile(r"[A-Za-z0-9_-]+")


def _host_problem(url: httpx.URL) -> str | None:
    """What makes the URL's host unusable (for IDNA, DNS or the socket layer), or None if it is fine."""
    try:
        host = url.raw_host.decode("ascii")
    except UnicodeDecodeError:
        return "it is not ASCII after IDNA encoding"
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return None
    name = host[:-1] if host.endswith(".") else host  # one trailing dot: a fully qualified name
    if len(name) > 253:
        return f"it is {len(name)} characters long (a host name has at most 253)"
    for number, label in enumerate(name.split("."), start=1):
        if not label:
            return f"label {number} is empty (two dots in a row, or a leading dot)"
        if len(label) > 63:
            return f"label {number} is {len(label)} characters long (a label has at most 63)"
        if not _LABEL.fullmatch(label):
            return f"label {number} has a character other than letters, digits, '-' and '_'"
        if label.startswith("-") or label.endswith("-"):
            return f"label {number} starts or ends with '-'"
    return None


def _check_key(key: str) -> None:
    """Refuse a key that could not travel in a header as typed; the message never shows the key."""
    if key != key.strip():
        raise ConfigurationError("The API key has surrounding whitespace or a line break; check how it was copied.")
    for position, char in enumerate(key, start=1):
        kind = unicodedata.category(char)
        if kind == "Cc":
            what = "a control character"
        elif kind == "Cf":
            what = "an invisible formatting character"
        elif char.isspace():
            what = "whitespace"
        else:
            continue
        raise ConfigurationError(
            f"The API key has {what} (U+{ord(char):04X}) at position {position} of {len(key)}; check how it was copied."
        )


def resolve_settings(
    *,
    api_key: str | None,
    organization_id: str | None,
    base_url: str | None,
    timeout: float | None,
    max_retries: int | None,
    concurrency: int | None,
    allow_insecure: bool,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate every setting before a request can be sent; errors say what to do."""
    env = os.environ if environ is None else environ
    key = api_key if api_key is not None else env.get("ROE_API_KEY")
    if not key:
        raise ConfigurationError(
            "No API key: pass api_key=... or set the ROE_API_KEY environment variable "
            "(create a key in the Roe AI dashboard). To try the library without an account, use the "
            "bundled sandbox: `from roe_analysis.sandbox import Sandbox`."
        )
    _check_key(key)

    org = organization_id if organization_id is not None else env.get("ROE_ORGANIZATION_ID")
    if not org:
        raise ConfigurationError(
            "No organization id: pass organization_id=... or set ROE_ORGANIZATION_ID "
            "(the UUID shown in the Roe AI dashboard's organisation settings)."
        )
    try:
        org = str(uuid.UUID(str(org)))
    except ValueError:
        raise ConfigurationError(f"organization_id must be a UUID such as '3f2b…-…'; got {org!r}.") from None

    url_text = base_url if base_url is not None else env.get("ROE_BASE_URL") or DEFAULT_BASE_URL
    try:
        url = httpx.URL(url_text)
        url.host  # noqa: B018  (decodes each "xn--" label: idna.IDNAError for one like "xn--zz")
    except UnicodeError as exc:
        raise ConfigurationError(
            f"base_url {url_text!r} has a host that is not a valid internationalised domain name ({exc})."
        ) from None
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ConfigurationError(f"base_url {url_text!r} is not a URL: {exc}") from None
    if url.scheme not in {"http", "https"} or not url.host:
        raise ConfigurationError(
            "base_url must look like 'https://api.roe-ai.com' (or 'https://api.<tenant>.roe-ai.com'); "
            f"got {url_text!r}."
        )
    problem = _host_problem(url)
    if problem is not None:
        raise ConfigurationError(f"base_url {url_text!r} has a host that is not a valid host name: {problem}.")
    if url.userinfo:
        raise ConfigurationError("base_url must not contain a user name or password; pass api_key=... instead.")
    if url.query or url.fragment:
        raise ConfigurationError(f"base_url must not have a query or fragment; got {url_text!r}.")
    if url.scheme == "http" and not is_loopback(url.host) and not allow_insecure:
        raise ConfigurationError(
            f"Refusing to send the API key over plain http to {url.host}: use https, or pass "
            "allow_insecure=True if you really mean it (only loopback hosts are allowed by default)."
        )
    url = url.copy_with(path=url.path.rstrip("/") or "")

    t = _number(timeout, env.get("ROE_TIMEOUT"), DEFAULT_TIMEOUT, "timeout", "ROE_TIMEOUT", kind=float)
    if not math.isfinite(t) or t <= 0:
        raise ConfigurationError(f"timeout must be a positive, finite number of seconds; got {t}.")
    r = _number(
        max_retries, env.get("ROE_MAX_RETRIES"), DEFAULT_MAX_RETRIES, "max_retries", "ROE_MAX_RETRIES", kind=int
    )
    if r < 0:
        raise ConfigurationError(f"max_retries must be 0 or more; got {r}.")
    c = DEFAULT_CONCURRENCY if concurrency is None else concurrency
    if isinstance(c, bool) or not isinstance(c, int) or c < 1:
        raise ConfigurationError(f"concurrency must be a whole number of at least 1 (default 8); got {c!r}.")
    return Settings(
        api_key=Secret(key),
        organization_id=org,
        base_url=url,
        timeout=float(t),
        max_retries=int(r),
        concurrency=c,
    )


def _number(given: T | None, env_value: str | None, default: T, name: str, env_name: str, *, kind: type[T]) -> T:
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int | float):
            raise ConfigurationError(f"{name} must be a number; got {given!r}.")
        if kind is int and not float(given).is_integer():
            raise ConfigurationError(f"{name} must be a whole number; got {given!r}.")
        return kind(given)
    if env_value is None or env_value.strip() == "":
        return default
    try:
        return kind(env_value)
    except ValueError:
        raise ConfigurationError(f"{env_name}={env_value!r} is not a valid {kind.__name__}.") from None
