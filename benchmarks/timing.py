"""Timing helpers: variants run in alternating blocks (so drift and noisy neighbours hit each alike), medians over
repetitions, and the result rows every section reports."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

Variant = Callable[[int, int], None]  # processes items[start:stop] of a pre-built list


@dataclass
class Row:
    """One figure: ``value`` in ``unit``, optionally against a ``baseline`` with a ``target`` on the ratio or value."""

    section: str
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    spread: tuple[float, float] | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Spent:
    """Seconds a variant spent per repetition: wall clock, and CPU time of this whole process (every thread, so an
    in-process server's work counts too; unlike the wall clock, CPU time hardly moves when neighbours are busy)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def alternate(variants: dict[str, Variant], total: int, *, block: int, reps: int, warmup: int) -> dict[str, Spent]:
    """What each variant spent on ``total`` items, per repetition. Within a repetition the items are processed in
    blocks and the variants take turns on each block, in a rotating order."""
    names = list(variants)
    for name in names:
        variants[name](0, min(warmup, total))
    spent = {name: Spent() for name in names}
    for rep in range(reps):
        wall, cpu = dict.fromkeys(names, 0.0), dict.fromkeys(names, 0.0)
        for k, start in enumerate(range(0, total, block)):
            stop = min(start + block, total)
            shift = (rep + k) % len(names)
            for name in names[shift:] + names[:shift]:
                gc.collect()  # start every block from the same heap state, outside the clock
                began, began_cpu = time.perf_counter(), time.process_time()
                variants[name](start, stop)
                wall[name] += time.perf_counter() - began
                cpu[name] += time.process_time() - began_cpu
        for name in names:
            spent[name].wall.append(wall[name])
            spent[name].cpu.append(cpu[name])
    return spent


def per_second(count: int, seconds: list[float]) -> list[float]:
    return [count / s for s in seconds]


def per_item_us(count: int, seconds: list[float]) -> list[float]:
    return [s / count * 1e6 for s in seconds]


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> tuple[float, float]:
    return (min(values), max(values))


def ratio_row(
    section: str,
    name: str,
    unit: str,
    values: list[float],
    baseline: list[float],
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    note: str = "",
) -> Row:
    """A row comparing ``values`` to ``baseline``: medians of each, and the ratio value / baseline as the median of
    the per-repetition ratios when both were measured in the same repetitions (paired: drift cancels out)."""
    value, base = median(values), median(baseline)
    paired = len(values) == len(baseline)
    ratio = median([v / b for v, b in zip(values, baseline, strict=True)]) if paired else value / base
    target, met = "", None
    if at_least is not None:
        target, met = f">= {at_least:g}x", ratio >= at_least
    elif at_most is not None:
        target, met = f"<= {at_most:g}x", ratio <= at_most
    return Row(section, name, value, unit, base, ratio, target, met, spread(values), note, values)


def plain_row(section: str, name: str, unit: str, values: list[float], note: str = "") -> Row:
    return Row(section, name, median(values), unit, spread=spread(values), note=note, samples=values)
