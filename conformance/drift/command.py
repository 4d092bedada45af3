"""``conformance drift``: read the endpoint's live contract, compare it with the shipped one, write the reports.

Writes ``<report-dir>/drift.json`` and one Allure result named ``drift`` (with the diff and drift.json attached)
into ``<report-dir>/allure-results/``, replacing the previous drift result there and leaving the suite's
results alone, so ``conformance run`` then ``conformance drift`` then ``conformance report`` shows both.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import ConfigError, Settings
from ..contract.extract import APPOINTMENT, SOPRINCIPAL, Contract
from ..contract.principal import principal_url
from ..contract.redaction import display_url
from ..errors import ContractUnavailable
from ..reference import ReferenceServer, ReferenceService
from ..reporting.allure_results import EPIC
from ..transport.http import Transport
from ..transport.network import options_for
from .compare import DriftResult, compare
from .model import build_model
from .report import DriftReport
from .wsdl import fetch_live, load_shipped

FULL_NAME = "conformance.drift"


def run_drift(settings: Settings) -> DriftReport:
    """Compare the shipped contract with the endpoint's (the embedded reference endpoint when none is set): Reject's
    always, and ``AuthenticateUsernamePassword``'s on ``SoPrincipal.svc`` when login is configured."""
    server = ReferenceServer(ReferenceService()).start() if settings.endpoint is None else None
    endpoint = server.url if server is not None else str(settings.endpoint)
    targets = [(APPOINTMENT, endpoint, server is not None)]
    if settings.username or settings.principal_endpoint:
        principal = settings.principal_endpoint or principal_url(endpoint)
        if principal is None:
            raise ConfigError(
                "drift of the login contract: cannot tell where SoPrincipal.svc is (the endpoint "
                f"{display_url(endpoint)} does not end in Appointment.svc); set principal_endpoint "
                "(flag --principal-endpoint)"
            )
        targets.append((SOPRINCIPAL, principal, server is not None and settings.principal_endpoint is None))
    transport = Transport(options_for(settings, max_bytes=settings.max_response_bytes))
    try:
        return DriftReport([_drift_of(contract, url, embedded, transport) for contract, url, embedded in targets])
    finally:
        transport.close()
        if server is not None:
            server.stop()


def _drift_of(contract: Contract, endpoint: str, embedded: bool, transport: Transport) -> DriftResult:
    shipped = load_shipped(contract)
    live_name = f"embedded reference endpoint ({contract.service})" if embedded else safe_url(endpoint)
    if embedded and contract is APPOINTMENT:
        live_name = "embedded reference endpoint"  # the name it always had: a history key of earlier reports
    result = DriftResult(shipped=shipped.source, live=live_name, operation=contract.operation)
    try:
        live = fetch_live(endpoint, transport)
    except ContractUnavailable as exc:
        result.error = str(exc)
        return result
    result.documents = [_short(loc, endpoint) for loc in live.locations]
    old, new = build_model(shipped, contract.operation), build_model(live, contract.operation)
    result.notes = live.notes + [f"live contract: {p}" for p in new.problems]
    result.notes += [f"shipped contract: {p}" for p in old.problems]
    result.changes = compare(old, new)
    return result


def safe_url(url: str) -> str:
    """The endpoint's WSDL address as reports show it: no user info, no query (``display_url``), then ``?wsdl``."""
    return display_url(url).removesuffix("?…") + "?wsdl"


def _short(location: str, endpoint: str) -> str:
    parts = urlsplit(location)
    home = urlsplit(endpoint)
    if (parts.netloc, parts.path) == (home.netloc, home.path):
        return f"?{parts.query}"
    return safe_url(location).removesuffix("?wsdl") + (f"?{parts.query}" if parts.query else "")


def write_reports(result: DriftReport, report_dir: Path, started: float) -> str:
    """drift.json, the Allure result, and the terminal text (returned)."""
    text = result.render()
    result.write_json(report_dir / "drift.json")
    write_allure_result(result, text, report_dir / "allure-results", started)
    return text


def write_allure_result(result: DriftReport, text: str, results_dir: Path, started: float) -> Path:
    """One Allure 2 result file (plain JSON, the documented result format) plus its two attachments."""
    results_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous(results_dir)
    stop = int(time.time() * 1000)
    start = int(started * 1000)
    breaking = result.breaking
    if result.error:
        status, message = "broken", f"[transport] the live contract could not be read: {result.error}"
    elif breaking:
        status = "failed"
        message = f"[drift] {len(breaking)} breaking contract change(s): " + "; ".join(
            f"{c.path}: {c.summary}" for c in breaking[:5]
        )
    else:
        status, message = "passed", f"{len(result.changes)} non-breaking change(s)" if result.changes else "no drift"
    text_name = f"{uuid.uuid4()}-attachment.txt"
    json_name = f"{uuid.uuid4()}-attachment.json"
    (results_dir / text_name).write_text(text, encoding="utf-8")
    (results_dir / json_name).write_text(json.dumps(result.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    history = hashlib.md5(FULL_NAME.encode()).hexdigest()
    record: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "historyId": history,
        "testCaseId": history,
        "name": "drift",
        "fullName": FULL_NAME,
        "status": status,
        "statusDetails": {"message": message, "trace": text},
        "stage": "finished",
        "start": start,
        "stop": stop,
        "description": "Contract drift: " + "; ".join(f"{r.operation}: {r.shipped} → {r.live}" for r in result.results),
        "labels": [
            {"name": "epic", "value": EPIC},
            {"name": "feature", "value": "Contract drift"},
            {"name": "story", "value": "shipped contract vs live WSDL"},
            {"name": "suite", "value": "Contract drift"},
            {"name": "severity", "value": "critical"},
            {"name": "framework", "value": "conformance"},
        ],
        "parameters": [{"name": "endpoint", "value": result.results[0].live}],
        "steps": [
            {
                "name": f"{'BREAKING' if c.breaking else 'non-breaking'} {c.symbol} {c.path}: {c.summary}",
                "status": "failed" if c.breaking else "passed",
                "stage": "finished",
                "statusDetails": {"message": c.why},
                "start": stop,
                "stop": stop,
            }
            for c in result.changes
        ],
        "attachments": [
            {"name": "drift diff", "source": text_name, "type": "text/plain"},
            {"name": "drift.json", "source": json_name, "type": "application/json"},
        ],
    }
    path = results_dir / f"{record['uuid']}-result.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _remove_previous(results_dir: Path) -> None:
    for path in results_dir.glob("*-result.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("fullName") != FULL_NAME:
            continue
        for attachment in data.get("attachments", []):
            name = Path(str(attachment.get("source", ""))).name
            if name:
                (results_dir / name).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
