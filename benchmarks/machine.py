"""What the figures were measured on: CPU, cores, load, Python, library versions, and the environment switches that
change start-up time."""

from __future__ import annotations

import importlib.util
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

LIBRARIES = (
    "conformance",
    "lxml",
    "xmlschema",
    "requests",
    "urllib3",
    "hypothesis",
    "pytest",
    "pytest-xdist",
    "allure-pytest",
    "zeep",
    "pyinstrument",
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def rewrite_cache_files() -> int:
    """pytest's cached assertion-rewritten modules of hypothesis (``*-pytest-*.pyc``). With none, every run that
    cannot write bytecode (PYTHONDONTWRITEBYTECODE, read-only site-packages) rewrites hypothesis afresh."""
    try:
        spec = importlib.util.find_spec("hypothesis")
    except ImportError:
        return 0
    if spec is None or not spec.submodule_search_locations:
        return 0
    return sum(len(list(Path(p).rglob("*-pytest-*.pyc"))) for p in spec.submodule_search_locations)


def describe() -> dict[str, Any]:
    """The machine as a JSON-able dict."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average_at_start": load_average(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "libraries": versions(),
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        "CI": os.environ.get("CI", ""),
        "hypothesis_rewrite_cache_files": rewrite_cache_files(),
    }


def one_line(info: dict[str, Any]) -> str:
    libs = ", ".join(f"{k} {v}" for k, v in info["libraries"].items() if v != "not installed")
    load = "/".join(str(x) for x in info["load_average_at_start"]) or "n/a"
    extra = f"; PYTHONDONTWRITEBYTECODE={info['PYTHONDONTWRITEBYTECODE']}" if info["PYTHONDONTWRITEBYTECODE"] else ""
    extra += f"; pytest-rewritten hypothesis .pyc cached: {info['hypothesis_rewrite_cache_files']}"
    return (
        f"{info['cpu']}, {info['usable_cores']} cores, load {load} at start; {info['os']}; {info['python']}; "
        f"{libs}{extra}"
    )
