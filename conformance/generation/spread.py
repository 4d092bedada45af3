"""Which allow-listed appointment a case takes when it needs one, but not a particular one.

The fixtures, the reject-reason coverage, the auth cases and the negative cases that name an allow-listed id (so
that a server ignoring their defect visibly accepts the call) may use any usable id. Each Reject of an allow-listed
id holds its appointment group from the read before to the read after it is put back (``run/locks.py``), so if they
all used the first id, that one group's calls would go one after another and set the length of a concurrent run.

Instead each such case, in a fixed order, goes to the group with the fewest Reject cases so far (the coverage phase
already gives every usable id one per ``RecurrenceUpdateMode``; ties go to the group listed first), and within a
series to its occurrences in turn. The plan depends on the allow-list and the survey only: serial or concurrent,
in any xdist worker, a case names the same id in every run against the same appointments.
"""

from __future__ import annotations

from functools import lru_cache

from ..contract.ids import IdPolicy
from ..contract.soap import UPDATE_MODES
from ..errors import SuiteBug


@lru_cache(maxsize=8)
def plan(policy: IdPolicy, order: tuple[str, ...]) -> dict[str, int]:
    """Each case id of ``order`` → the usable id it Rejects (empty: no usable id)."""
    groups = policy.groups
    load = [len(UPDATE_MODES) * len(group) for group in groups]
    turn = [0] * len(groups)
    chosen: dict[str, int] = {}
    for case_id in order:
        if not groups:
            break
        g = min(range(len(groups)), key=lambda i: (load[i], i))
        chosen[case_id] = groups[g][turn[g] % len(groups[g])]
        turn[g] += 1
        load[g] += 1
    return chosen


def any_allowed(policy: IdPolicy, case_id: str, order: tuple[str, ...]) -> int | None:
    """The usable id ``case_id`` takes (``None``: none is usable)."""
    if case_id not in order:
        raise SuiteBug(f"bug in the suite: case {case_id} takes an allow-listed id but is not in the spread order")
    return plan(policy, order).get(case_id)
