"""The tests this process will run next, in order: what ``--concurrency`` may send ahead of them.

Without xdist that is the session's items after the running one. Under xdist a worker runs what the controller
hands it: the indices waiting in its queue (pytest-xdist's ``WorkerInteractor.torun``), read under its lock. With
``--dist load`` (what ``--workers`` uses) a queued test is never taken back, so nothing is sent for a test
another worker runs. If that queue cannot be read (another xdist), only the running test is known: nothing is sent
ahead, and the run is as serial as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

_POSITIONS = pytest.StashKey[dict[str, int]]()


def upcoming(item: pytest.Item) -> Iterator[pytest.Item]:
    """``item`` and the tests after it that this process will run."""
    items = item.session.items
    if hasattr(item.config, "workerinput"):  # an xdist worker: what its queue holds
        yield item
        yield from (items[i] for i in _queued(item.config) if 0 <= i < len(items))
        return
    positions = item.config.stash.get(_POSITIONS, None)
    if positions is None or len(positions) != len(items):
        positions = {test.nodeid: index for index, test in enumerate(items)}
        item.config.stash[_POSITIONS] = positions
    start = positions.get(item.nodeid)
    if start is None:
        yield item
        return
    yield from items[start:]


def case_of(item: pytest.Item) -> Any:
    """The conformance case a test sends (``None``: a test of another kind)."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("conformance_case") if callspec is not None else None


def property_of(item: pytest.Item) -> str | None:
    """The hypothesis property a generated-phase test runs (``None``: another kind of test)."""
    marker = item.get_closest_marker("conformance")
    return marker.kwargs.get("property") if marker is not None else None


def _queued(config: pytest.Config) -> list[int]:
    """The test indices waiting in this xdist worker's queue (none when the queue cannot be read)."""
    for plugin in config.pluginmanager.get_plugins():
        queue = getattr(plugin, "torun", None) if type(plugin).__name__ == "WorkerInteractor" else None
        if queue is not None and hasattr(queue, "lock"):
            with queue.lock() as waiting:
                return [i for i in waiting if isinstance(i, int)]
    return []
