"""Work the paging shares: bounded workers over page numbers, and ``err.partial`` set once.

`run_bounded` keeps at most ``limit`` tasks alive however many pages a server claims (a count of
10**9 must not become 10**9 coroutines); `gather_all` cancels the rest at the first failure;
`attach_partial` gives an error what was fetched without masking it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any

from roe_analysis.errors import RoeError


def attach_partial(exc: RoeError, build: Callable[[], Any]) -> None:
    """``exc.partial = build()`` unless another boundary set it; a build that fails only adds a note."""
    if exc.partial is None:
        try:
            exc.partial = build()
        except Exception as failed:  # secondary: the error the user must see is ``exc``
            # A page that cannot be framed: the frames of every other page are still what was fetched.
            exc.partial = getattr(failed, "partial", None)
            how = "could not be built" if exc.partial is None else "holds every page but those that could not be built"
            exc.add_note(f"err.partial {how} ({type(failed).__name__}: {failed})")


async def gather_all(coros: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Like `asyncio.gather`, but the first failure cancels the rest instead of leaving them running."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    if not tasks:
        return
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def run_bounded(numbers: Iterator[int], work: Callable[[int], Awaitable[None]], limit: int) -> None:
    """``work(n)`` for each of ``numbers`` by ``limit`` workers sharing the iterator, so at most
    ``limit`` tasks exist however many numbers there are; the first failure cancels the rest."""

    async def worker() -> None:
        for number in numbers:
            await work(number)

    await gather_all(worker() for _ in range(max(1, limit)))
