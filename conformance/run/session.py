"""One suite run in one process: the target (configured or embedded), the transport, the runner, and turning
each case result into a test outcome, an Allure record and a summary record."""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ..checks import Failure
from ..checks.context import Expect
from ..config import Settings
from ..config.settings import concurrency_per_process
from ..contract.ids import IdPolicy
from ..contract.messages import Credentials, RejectCall
from ..contract.redaction import Redactor, url_secrets
from ..contract.schemas import envelope_schema
from ..contract.soap import INT32_MAX, soap_version
from ..errors import SafetyViolation, SuiteBug
from ..generation.cases import SETUP, Case, Target
from ..plugin.upcoming import case_of, property_of, upcoming
from ..reference import REFERENCE_ALLOW_LIST, REFERENCE_TICKET, ReferenceServer, ReferenceService, ServiceOptions
from ..reporting import allure_report
from ..reporting.effects import fingerprint
from ..reporting.reproduction import curl_command, write_request
from ..reporting.summary import PROPERTY
from ..transport.http import Transport
from ..transport.network import options_for
from .ahead import Ahead, Fanout, Job
from .credentials import Credentials as RunCredentials
from .credentials import TicketExpired
from .journal import DONE, END, SENT, TAKEN, SentJournal, describe
from .locks import EffectLocks
from .observe import Observer
from .runner import CaseResult, Runner

EMBEDDED_UNUSED = (1000, INT32_MAX)
WINDOW = 4  # cases queued or sent ahead of the test being reported, per exchange allowed in flight
REFERENCE_TOKEN = "reference-application-token"


def id_policy(settings: Settings) -> IdPolicy:
    """Allow-listed ids and the surely-unused range; the embedded endpoint's are known."""
    if settings.embedded:
        return IdPolicy(settings.appointment_ids or REFERENCE_ALLOW_LIST, settings.unused_ids or EMBEDDED_UNUSED)
    return IdPolicy(settings.appointment_ids, settings.unused_ids, settings.unfit, settings.series)


class SuiteSession:
    def __init__(self, settings: Settings, *, workers: int = 1, journal: SentJournal | None = None) -> None:
        """``journal``: an xdist worker's record of what it sends ahead, for the controller (``run/journal.py``)."""
        self.settings = settings
        self.journal = journal
        self.version = soap_version(settings.soap_version)
        self.server: ReferenceServer | None = None
        token = settings.application_token
        if settings.embedded:
            token = token or (REFERENCE_TOKEN if settings.online else None)
            options = ServiceOptions(
                ticket=settings.ticket or REFERENCE_TICKET,
                application_token=token if settings.online else None,
                soap12=self.version.name == "1.2",  # the documentation's SOAP 1.2, as a second binding would
            )
            self.server = ReferenceServer(ReferenceService(options=options)).start()
            url = self.server.url
        else:
            url = settings.endpoint
        try:
            self.credentials = self._credentials(settings, url)
        except BaseException:
            if self.server is not None:
                self.server.stop()
            raise
        self.token = token
        self.redactor = self._redactor()
        revoked = None
        if self.server is not None:  # the embedded endpoint can revoke: a ticket it issued, then revoked
            revoked = self.server.service.tickets.issue()
            self.server.service.tickets.revoke(revoked)
        self.target = Target(url, self.version, self._headers(), id_policy(settings), settings.online, revoked)
        rate = settings.rate_limit / max(workers, 1) if settings.rate_limit else None
        self.concurrency = concurrency_per_process(settings.concurrency, workers)
        options = options_for(
            settings, max_bytes=settings.max_response_bytes, rate_limit=rate, in_flight=self.concurrency
        )
        self.transport = Transport(options)
        locks = EffectLocks(None if settings.embedded else url, settings.series)
        self.fanout = Fanout(self.concurrency)
        self.observer = Observer(self.target, self.transport, restore=settings.restore, locks=locks, fanout=self.fanout)
        self.runner = Runner(
            self.target,
            self.transport,
            sla_seconds=settings.sla_ms / 1000 if settings.sla_ms else None,
            max_bytes=settings.max_response_bytes,
            observer=self.observer,
        )
        self.repro_dir = Path(settings.report_dir) / "reproductions"
        if self.server is not None:  # as the controller does for a configured endpoint: the series, and with
            self.observer.survey(self.target.policy.allowed)  # restore the seeded declined invitation put back
        seed = settings.seed  # --seed, or a fresh one that failure messages print so the run can be repeated
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.lookaheads: dict[str, Any] = {}  # a property's calls sent ahead (generation.lookahead.Lookahead)
        self.ahead: Ahead[Case, CaseResult] | None = None
        self._unreported: list[str] | None = None  # set when sending ahead stops
        if self.concurrency > 1:
            self.ahead = Ahead(
                self._send_ahead, threads=self.concurrency, window=WINDOW * self.concurrency, on_take=self._taken
            )
            # xmlschema explains the first invalid message (a negative case's request): built now, beside the wire
            # time of the first cases, not later while the cases sent ahead wait for the main thread
            warm = threading.Thread(target=lambda: envelope_schema(self.version).detailed, daemon=True)
            warm.start()

    def _credentials(self, settings: Settings, url: str) -> RunCredentials:
        """The ticket given (explicitly, or by ``conformance run``'s login), else a login here: the embedded
        endpoint lives in this process, and a plain pytest run without workers logs in where it runs."""
        if settings.ticket:
            return RunCredentials(settings, url, settings.ticket, settings.authenticated_by or "ticket")
        if settings.logs_in:
            credentials = RunCredentials(settings, url, None, "none")
            credentials.log_in()
            return credentials
        if settings.embedded:
            return RunCredentials(settings, url, REFERENCE_TICKET, "the embedded endpoint's ticket")
        return RunCredentials(settings, url, None, "none (--no-credentials)")

    def _headers(self) -> Credentials:
        return Credentials(self.credentials.ticket, self.token)

    def _redactor(self) -> Redactor:
        ticket, token, settings = self.credentials.ticket, self.token, self.settings
        old = [login.ticket for login in self.credentials.logins]
        way = settings.network_secrets()  # the proxy's user info, the key's passphrase, gateway header values
        return Redactor(
            [ticket, token, settings.password, settings.ticket, *old, *url_secrets(settings.endpoint), *way],
            placeholders={ticket or "": "CONFORMANCE_TICKET", token or "": "CONFORMANCE_APPLICATION_TOKEN"},
        )

    def _use_new_ticket(self) -> None:
        self.redactor = self._redactor()
        # the runner first: a sender that reads the new target as its context then also sends with it
        self.runner.target = replace(self.target, credentials=self._headers())
        self.target = self.runner.target

    def stop_ahead(self) -> list[str]:
        """Stop sending ahead; the cases that were sent and never reported, because the run stopped before their
        tests (``--max-failures``, Ctrl-C): one entry per case, a property's calls counted together."""
        if self.ahead is not None and self._unreported is None:  # the first stop (the fixture's or the plugin's)
            sent = [job for job in self.ahead.close() if isinstance(job.item, Case) and job.result is not None]
            self._unreported = describe(job.item.id for job in sent)  # no result: it never went out (a dead ticket)
            if self.journal is not None:
                self.journal.write(END)
        return list(self._unreported or [])

    def close(self) -> None:
        self.stop_ahead()
        self.fanout.close()
        self.transport.close()
        if self.server is not None:
            self.server.stop()

    # --- one deterministic case = one test --------------------------------------------------------

    def run_case(self, case: Case, node: pytest.Item) -> None:
        # labelled first, so a skipped case, or one that Ctrl-C cut short (even between these two lines), sits in
        # its phase in the report
        allure_report.label_case(case.phase, case.title, self.version.name, f"{case.id}: {case.title}")
        allure_report.identify(case.id, self.version.name, case.expect.value)
        if case.skip:
            pytest.skip(case.skip)
        try:
            result = self.execute(case, self._sent_ahead(node))
        except TicketExpired as expired:
            pytest.skip(f"{SETUP}: {expired}")
        record = self.record(result)
        allure_report.record_case(result, self.redactor, record.get("reproduction"))
        node.user_properties.append((PROPERTY, record))
        self.report_advisories(record, node)
        if result.failures(self.strict):
            self.fail(result, record)

    @property
    def strict(self) -> bool:
        """``--strict``: advisories (broken SHOULDs) fail cases like violations."""
        return self.settings.strict

    def report_advisories(self, record: dict[str, Any], node: pytest.Item) -> None:
        """Advisories of a case that passes: a JUnit property each, and an Allure label that puts the test in
        the report's *Advisories* category (see ``reporting.summary``)."""
        for advisory in record.get("advisories", []):
            node.user_properties.append(("advisory", advisory["message"]))
            allure_report.mark_advisory(advisory["message"])

    def execute(self, case: Case, ahead: Job[Case, CaseResult] | None = None) -> CaseResult:
        """Run ``case`` (or take its result, sent ahead with the credentials still in use); a bug of the suite or a
        refused unsafe id fails the test with one redacted line. A ticket that stops working is renewed once by
        logging in again (then the case is sent again), else ``TicketExpired`` stops every further case that
        needs it."""
        credentials = self.credentials
        if credentials.expired and case.credentials == "configured":
            raise TicketExpired(credentials.expired)
        sent = ahead.result if ahead is not None and ahead.context is self.target else None  # else: send it now
        result = sent if sent is not None else self._execute(case)
        if credentials.stopped_working(result):
            if not credentials.renew():
                raise TicketExpired(credentials.give_up())
            self._use_new_ticket()
            if self.ahead is not None:  # what waits to go out would carry the dead ticket
                self.ahead.drop_pending()
            result = self._execute(case)
            result.notes.append(
                f"the ticket expired or was revoked after {credentials.renewed_after} accepted calls; "
                f"{credentials.how}: logged in again, and this case was sent again"
            )
        credentials.count(result)
        return result

    # --- sending ahead (--concurrency) --------------------------------------------------------------

    def _sent_ahead(self, node: pytest.Item) -> Job[Case, CaseResult] | None:
        """Queue the cases of the next tests (up to the window), then this test's own job, if it was queued."""
        if self.ahead is None:
            return None
        self.fill_ahead(node, record=True)
        return self.ahead.take(node.nodeid)

    def fill_ahead(self, node: pytest.Item, *, record: bool) -> None:
        """Queue what ``node`` and the tests after it send, in test order, while the window has room.

        ``record``: a property not yet recorded is recorded now (``generation/lookahead.py``) when the window has
        room for its calls, and every property after it when ``node`` is a property itself: never while one runs
        (hypothesis does not nest). A running property calls this after each example (``record`` false), so the
        next property's calls go out while its last examples wait for their appointment groups."""
        from ..generation.properties import lookahead  # generation builds on this module

        assert self.ahead is not None
        full = False
        at_property = property_of(node) is not None
        for item in upcoming(node):
            full = full or self.ahead.outstanding() >= self.ahead.window
            if full and not at_property:  # nothing more to queue or record
                break
            case = case_of(item)
            if isinstance(case, Case):
                if not full and not case.skip and not self.ahead.has(item.nodeid):
                    self.send_ahead(item.nodeid, case)
            elif (title := property_of(item)) is not None:
                now = record and (at_property or not full)
                started = lookahead(self, title) if now else self.lookaheads.get(title)
                if started is not None and not full:
                    started.top_up()

    def send_ahead(self, key: object, case: Case) -> bool:
        """Queue ``case`` under ``key``; one the suite cannot build is left to its test, which reports why."""
        assert self.ahead is not None
        try:
            prepared = self.runner.prepared(case)
        except (SuiteBug, SafetyViolation):
            return False
        return self.ahead.submit(key, case, self.runner.groups(prepared), prepared)

    def _send_ahead(self, job: Job[Case, CaseResult]) -> CaseResult | None:
        """On an ``Ahead`` thread: send the case with the credentials in use now (none once they have expired)."""
        job.context = self.target
        if self.credentials.expired and job.item.credentials == "configured":
            return None
        if self.journal is not None:
            self.journal.write(SENT, job.key, job.item.id)
        try:
            return self.runner.execute(job.item, job.payload)
        finally:
            if self.journal is not None:
                self.journal.write(DONE, job.key)

    def _taken(self, job: Job[Case, CaseResult]) -> None:
        """Its test has asked for the case (``run/journal.py``)."""
        if self.journal is not None:
            self.journal.write(TAKEN, job.key)

    def _execute(self, case: Case) -> CaseResult:
        try:
            return self.runner.execute(case)
        except (SuiteBug, SafetyViolation) as exc:
            message = self.redactor.text(str(exc))
        pytest.fail(message, pytrace=False)

    def record(
        self, result: CaseResult, *, exchanges: int = 1, tally: Mapping[str, Mapping[str, int]] | None = None
    ) -> dict[str, Any]:
        """A plain-dict record of a case for summary.json and baselines (secrets redacted)."""
        case = result.case
        record: dict[str, Any] = {
            "case": case.id,
            "phase": case.phase,
            "title": case.title,
            "expect": case.expect.value,
            "outcome": "failed" if result.failures(self.strict) else "passed",
            "outcome_class": result.outcome_class,
            "fault_code": result.context.fault_code if result.exchange.response is not None else None,
            "request_digest": self.request_digest(result),
            "elapsed_ms": round(result.exchange.elapsed * 1000, 1),
            "exchanges": exchanges,
            "answered": result.exchange.answered,
            "checks": {k: dict(v) for k, v in (tally or tally_of(result)).items()},
            "findings": [self.finding(f) for f in result.violations],
            "advisories": [self.finding(f) for f in result.advisories],
        }
        if result.notes:
            record["notes"] = [self.redactor.text(note) for note in result.notes]
        if result.effect is not None:
            record["effect"] = fingerprint(result.effect)
            if result.effect.restore_problems:
                record["restore_problems"] = [self.redactor.text(p) for p in result.effect.restore_problems]
        response = result.exchange.response
        if response is not None and response.header("Server"):
            record["server"] = self.redactor.text(response.header("Server"))
        if result.findings:
            path = write_request(self.repro_dir, case.id, result.request, self.redactor)
            record["reproduction"] = curl_command(self.target.url, result.request, str(path), self.redactor)
        return record

    def finding(self, failure: Failure) -> dict[str, str]:
        return {
            "check": failure.check,
            "message": self.redactor.text(str(failure)),
            "rule": failure.rule.id,
            "level": failure.rule.level.value,
        }

    def request_digest(self, result: CaseResult) -> str:
        """Digest of the request as reported (secrets redacted), so a rotated ticket does not change it."""
        shown = self.redactor.text(result.request.body.decode("utf-8", "replace"))
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]

    def fail(self, result: CaseResult, record: dict[str, Any], *more: str) -> None:
        """Fail the test: every finding (and, under ``--strict``, advisory) with the case and its reproduction;
        the report's message holds only the findings, root cause first (``reporting.allure_tidy``)."""
        shown = record["findings"] + (record["advisories"] if self.strict else [])
        allure_report.mark_findings([f["message"] for f in shown])
        pytest.fail("\n".join([self.failure_message(result, record), *more]), pytrace=False)

    def failure_message(self, result: CaseResult, record: dict[str, Any]) -> str:
        counts = f"{len(record['findings'])} violation(s)"
        if record["advisories"]:
            counts += f", {len(record['advisories'])} advisory(ies){' (--strict)' if self.strict else ''}"
        lines = [f"{result.case.id} ({result.case.title}): {counts}"]
        lines += [f"  {f['message']}" for f in record["findings"] + record["advisories"]]
        if record.get("reproduction"):
            lines.append(f"  reproduce: {record['reproduction']}")
        return "\n".join(lines)

    # --- generated cases: many exchanges in one test ------------------------------------------------

    def generated_case(self, call: RejectCall, expect: Expect, title: str) -> Case:
        return Case(f"generated/{title}", "generated", title, expect, call=call)


def tally_of(result: CaseResult) -> dict[str, dict[str, int]]:
    """``{check: {status: 1}}`` for one exchange (plain dicts: a Counter per check costs ~1.5 µs, 18 per exchange)."""
    return {check.name: {check.status: 1} for check in result.checks}
