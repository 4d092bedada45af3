"""A reproduction for each failure: the raw request file (secrets as ``${VAR}`` placeholders) and a curl command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from ..contract.messages import OutgoingRequest
from ..contract.redaction import Redactor


def safe_name(case_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", case_id).strip("_")[:120] or "case"


def curl_command(url: str, request: OutgoingRequest, data_file: str, redactor: Redactor) -> str:
    """``envsubst < FILE | curl …``: the secrets come from the environment at replay time."""
    parts = ["curl", "-sS", "-i", "-X", "POST", url]
    for name, value in request.headers.items():
        parts += ["-H", f"{name}: {redactor.text(value)}"]
    parts += ["--data-binary", "@-"]
    return f"envsubst < {shlex.quote(data_file)} | " + " ".join(shlex.quote(p) for p in parts)


def curl_heredoc(url: str, request: OutgoingRequest, redactor: Redactor) -> str:
    """The same command with the request inside it (a here-document): it works from any copy of the report."""
    command = curl_command(url, request, "-", redactor).removeprefix("envsubst < - | ")
    body = redactor.text(request.body.decode("utf-8", "replace"))
    marker = "CONFORMANCE_REQUEST"
    return f"envsubst <<'{marker}' | {command}\n{body}\n{marker}\n"


def write_request(directory: Path, case_id: str, request: OutgoingRequest, redactor: Redactor) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{safe_name(case_id)}.xml"
    path.write_text(redactor.text(request.body.decode("utf-8", "replace")), encoding="utf-8")
    return path
