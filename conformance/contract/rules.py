"""The rules the checks enforce, each with its keyword and where it comes from.

A check never judges more strictly than the rule it cites. A broken MUST (or MUST NOT) is a **violation**: it fails
the case and the run. A broken SHOULD (or SHOULD NOT) is an **advisory**: reported everywhere, failing nothing
unless ``--strict``. What a specification allows (MAY, or says nothing about) is never reported.

Sources: SOAP 1.1 (W3C Note, 2000-05-08), SOAP 1.2 Part 1 and Part 2 (W3C Recommendation, 2nd edition, 2007),
WS-I Basic Profile 1.1 (BP) with the Simple SOAP Binding Profile 1.0 (SSBP), XML 1.0, and the contract SuperOffice
publishes (the Services82 WSDL, and its Succeeded/ExceptionInfo convention described in
``shared/reference/CONTRACT.md`` and ``WCF-WIRE.md``). Requirement texts are quoted, shortened, as published.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.Enum):
    """How strongly a rule binds the server."""

    MUST = "MUST"  # MUST, MUST NOT, REQUIRED: breaking it is a violation
    SHOULD = "SHOULD"  # SHOULD, SHOULD NOT, RECOMMENDED: breaking it is an advisory


@dataclass(frozen=True)
class Rule:
    """One requirement: its identifier (``WS-I BP R1124``), level, and the requirement in its own words."""

    id: str
    level: Level
    text: str

    @property
    def advisory(self) -> bool:
        return self.level is Level.SHOULD

    def __str__(self) -> str:
        return f"{self.id} ({self.level.value})"


MUST, SHOULD = Level.MUST, Level.SHOULD

# --- HTTP -------------------------------------------------------------------------------------------
HTTP_MESSAGE = Rule("RFC 9112 §6", MUST, "a response is a complete HTTP message (status line, headers, framed body)")
R1124 = Rule("WS-I BP R1124", MUST, "a 2xx HTTP status code on a response message that indicates a successful outcome")
R1111 = Rule("WS-I BP R1111", SHOULD, "'200 OK' on a response message that contains an envelope that is not a fault")
R1126 = Rule("WS-I BP R1126", MUST, "'500 Internal Server Error' if the response envelope is a Fault (SOAP 1.1 §6.2)")
SOAP12_FAULT_STATUS = Rule(
    "SOAP 1.2 Part 2 §7.5.2.2, Table 20",
    SHOULD,  # the table's mapping is followed; its keyword could not be verified, so it is enforced as a SHOULD
    "env:Sender → 400, every other fault code → 500 (the suite also accepts 500 for env:Sender, as WCF sends)",
)
R1125 = Rule(
    "WS-I BP R1125", MUST, "a 4xx HTTP status code for a response that indicates a problem with the format of a request"
)

# --- media type and encoding ------------------------------------------------------------------------
R9702 = Rule("WS-I SSBP R9702", MUST, "a MESSAGE has a Content-Type HTTP header field")
SOAP11_MEDIA_TYPE = Rule(
    "SOAP 1.1 §6, WS-I SSBP R9703", MUST, "a SOAP 1.1 message over HTTP uses the media type 'text/xml'"
)
SOAP12_MEDIA_TYPE = Rule(
    "SOAP 1.2 Part 2 §7.1.4",
    MUST,
    "application/soap+xml, or another media type that carries the SOAP XML Infoset (an XML media type)",
)
R1012 = Rule("WS-I SSBP R1012", MUST, "the envelope is serialized as UTF-8 or UTF-16")
R1018 = Rule(
    "WS-I SSBP R1018", MUST, "the Content-Type field-value indicates the correct character encoding with 'charset'"
)

# --- XML and envelope -------------------------------------------------------------------------------
SOAP_REPLY = Rule(
    "SOAP 1.1 §6.2, WS-I SSBP R9700/R9701",
    MUST,
    "the reply to a SOAP request carries a SOAP envelope (the response, or a Fault), serialized as XML 1.0",
)
SIZE_CAP = Rule(
    "the suite's response size cap (10 MB by default)",
    MUST,
    "a reply the suite can judge safely: RejectResponse is empty by contract (WS-I BP R2712), so megabytes are wrong",
)
NO_DTD = Rule("SOAP 1.1 §3, WS-I BP R1008", MUST, "a SOAP message MUST NOT contain a Document Type Declaration")
NO_PI = Rule(
    "SOAP 1.1 §3, WS-I BP R1009, SOAP 1.2 Part 1 §5",
    MUST,
    "a SOAP message MUST NOT contain processing instructions (the XML declaration is none)",
)
VERSION = Rule(
    "SOAP 1.1 §4.1.2, SOAP 1.2 Part 1 §2.8 and Appendix A",
    MUST,
    "a node answers in the SOAP version of the message it received; a SOAP 1.1 node answers a SOAP 1.2 "
    "envelope with a SOAP 1.1 VersionMismatch fault",
)
R9980 = Rule("WS-I BP R9980 (test assertion BP1701)", MUST, "an ENVELOPE conforms to the SOAP envelope structure")
R1014 = Rule("WS-I BP R1014", MUST, "the children of soap:Body are namespace qualified")
R1011 = Rule("WS-I BP R1011", MUST, "no element children of soap:Envelope follow soap:Body")
R2712 = Rule(
    "WS-I BP R2712",
    MUST,
    "soap:Body's child is an instance of the global element declaration the wsdl:message part references",
)
ONE_FAULT = Rule(
    "SOAP 1.1 §4.4, SOAP 1.2 Part 1 §5.4", MUST, "a Fault is the single child of soap:Body and appears once"
)
HEADERS = Rule(
    "the published WSDL (soap:header parts), WS-I BP test assertion BP1013",
    MUST,
    "a header block the operation's output declares is an instance of its element declaration",
)

# --- faults -----------------------------------------------------------------------------------------
FAULT_STRUCTURE = Rule(
    "SOAP 1.1 §4.4 (WS-I BP R1000, R1001), SOAP 1.2 Part 1 §5.4",
    MUST,
    "1.1: faultcode (a resolvable qualified name) and faultstring present, children unqualified; "
    "1.2: Code/Value one of the SOAP 1.2 codes, Reason/Text with xml:lang",
)
R1004 = Rule(
    "WS-I BP R1004",
    SHOULD,
    "faultcode is one of the SOAP 1.1 codes, or a QName in a namespace the fault's authority controls",
)
R1031 = Rule("WS-I BP R1031", SHOULD, "faultcode SHOULD NOT use the SOAP 1.1 'dot' notation")

# --- the Reject contract ----------------------------------------------------------------------------
ACCEPTED = Rule(
    "the published WSDL (Reject: 'Rejecting an appointment invitation'), SuperOffice's Succeeded/ExceptionInfo",
    MUST,
    "a valid Reject of an invitation addressed to the caller is carried out: no fault, Succeeded not false",
)
NO_SUCH_APPOINTMENT = Rule(
    "the contract (CONTRACT.md: application errors), SOAP 1.1 §6.2",
    MUST,
    "a Reject that cannot be carried out (no such appointment) is refused: a fault, or Succeeded=false with "
    "ExceptionInfo; it is never reported as done",
)
R2724 = Rule(
    "WS-I BP R2724",
    SHOULD,
    "an envelope inconsistent with the WSDL description (values, elements) is refused with a fault (the suite "
    "also takes SuperOffice's Succeeded=false + ExceptionInfo, or an HTTP 4xx under R1125, as the refusal)",
)
NOT_XML = Rule(
    "XML 1.0 §1.2 (fatal errors), WS-I BP R1125",
    MUST,
    "a request that is not well-formed XML is not processed: an HTTP 4xx, or a SOAP fault",
)
R1115 = Rule(
    "WS-I BP R1115",
    SHOULD,
    "'415 Unsupported Media Type' when the request's Content-Type is not permitted by the WSDL description",
)
AUTHENTICATED = Rule(
    "the contract (CONTRACT.md: Credentials/Ticket, ApplicationToken on Online)",
    MUST,
    "a call without a valid ticket (or application token, Online) is refused: a fault, or Succeeded=false "
    "with ExceptionInfo",
)
TICKET_EXACT = Rule(
    "the contract (CONTRACT.md: a ticket is what SoPrincipal issued, e.g. 7T:1234abcxyzExample==)",
    SHOULD,
    "a ticket that differs from the one issued (a trailing space, its letters' case) is another, unknown ticket "
    "and SHOULD be refused; the contract does not say so in words, hence an advisory",
)
SUCCEEDED_CONSISTENT = Rule(
    "SuperOffice's convention (CONTRACT.md, WCF-WIRE.md: application errors)",
    MUST,
    "Succeeded=false exactly when an ExceptionInfo reports the error; clients read either header alone",
)
SLA = Rule("the configured SLA (--sla-ms)", MUST, "the round trip stays within the SLA the run was given")

# --- what Reject does (observed with GetAppointmentEntity) -------------------------------------------
DECLINED_AFTER = Rule(
    "the published WSDL (Reject: 'Rejecting an appointment invitation'; InvitationStatus Declined = 9)",
    MUST,
    "after a Reject that was carried out, the invitation reads InvitationStatus=Declined: the operation's one "
    "documented purpose",
)
REASON_STORED = Rule(
    "the published WSDL (Reject's RejectReason: 'the reason the invitation was rejected'; AppointmentEntity "
    "RejectReason), SuperOffice's database reference (appointment.rejectReason String(254)), XML 1.0 §2.11",
    MUST,
    "the reason reads back as it was sent — nothing lost, truncated or re-encoded — after XML's own line-end "
    "normalisation (CR LF and CR read as LF); a nil, absent or empty reason are the same; a reason longer than "
    "the documented 254-character column may read back as its first 254 characters, and no fewer",
)
REFUSAL_CHANGES_NOTHING = Rule(
    "SuperOffice's convention (CONTRACT.md: Succeeded=false reports an error), SOAP 1.1 §4.4 (a fault is an error)",
    MUST,
    "a Reject that was refused (a fault, Succeeded=false, an HTTP 4xx) changed nothing: every observed appointment "
    "reads the same InvitationStatus, RejectReason and RejectCounter before and after",
)
RECURRENCE_MODE = Rule(
    "the published WSDL's RecurrenceUpdateMode (OnlyThis: 'update only this instance'; ThisAndForward: 'this "
    "instance and all instances forward in time'; StopRecurrence: 'stop the recurrence from this instance and "
    "forward in time')",
    SHOULD,
    "on an occurrence of a series, the mode decides which occurrences end Declined: OnlyThis this one only, "
    "ThisAndForward and StopRecurrence this one and the later ones; the earlier ones keep their state. SuperOffice "
    "documents each mode in one line, hence an advisory",
)
