"""Hypothesis strategies for Reject payloads: small named building blocks with argument checks that teach."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from ..contract.ids import IdPolicy
from ..contract.messages import RejectCall
from ..contract.soap import INT32_MIN, UPDATE_MODES


def xml_text(max_size: int = 200) -> st.SearchStrategy[str]:
    """Text that XML 1.0 can carry: no surrogates, no C0/C1 controls except tab, LF and CR, no U+FFFE/U+FFFF."""
    if max_size < 0:
        raise ValueError(f"xml_text(max_size={max_size!r}): max_size must be >= 0")
    return st.text(
        st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r", exclude_characters="\ufffe\uffff"),
        max_size=max_size,
    )


TRICKY_PIECES = (" ", "&", "<", ">", "]]>", "\r\n", "'\"", "\U0001f4c5", "e\u0301", "\u202e")
"""What breaks serializers: markup characters, a CDATA end, CR LF, quotes, an astral emoji, a combining mark, RTL."""


def pieces_text(pieces: Sequence[str] = TRICKY_PIECES, max_pieces: int = 8) -> st.SearchStrategy[str]:
    """Strings joined from up to ``max_pieces`` of ``pieces``. Drawn as one string of letters, one letter per
    piece, then joined: hypothesis draws a string as a single choice but a list element by element, which made
    the list form cost about three times as much per generated call. Shrinks towards "" and the first piece."""
    if not 0 < len(pieces) <= 26 or max_pieces < 0:
        raise ValueError(f"pieces_text: need 1 to 26 pieces and max_pieces >= 0, got {len(pieces)} and {max_pieces}")
    by_letter = {chr(ord("a") + i): piece for i, piece in enumerate(pieces)}
    return st.text("".join(by_letter), max_size=max_pieces).map(lambda word: "".join(map(by_letter.__getitem__, word)))


def reject_reasons(max_size: int = 200) -> st.SearchStrategy[str]:
    """Reasons a user could type, XML-legal, half of them built from the characters that break serializers."""
    return st.one_of(xml_text(max_size), pieces_text())


def update_modes() -> st.SearchStrategy[str]:
    """Every RecurrenceUpdateMode the contract declares."""
    return st.sampled_from(UPDATE_MODES)


def appointment_ids(allowed: Sequence[int]) -> st.SearchStrategy[int]:
    """Ids the user allow-listed for Reject, and nothing else."""
    if not allowed:
        raise ValueError(
            "appointment_ids(allowed=[]): positive Reject calls need at least one allow-listed id "
            "(--appointment-id ID); the suite never invents a real-looking id"
        )
    return st.sampled_from(list(allowed))


def grouped_appointment_ids(groups: Sequence[Sequence[int]]) -> st.SearchStrategy[int]:
    """Allow-listed ids, every appointment group drawn equally often (``IdPolicy.groups``): the occurrences of one
    series share its turns. Drawn by id, a series allow-listed with five occurrences would take five calls in six,
    each holding the whole series (``run/locks.py``), one after another. Without a series this is
    ``appointment_ids``, draw for draw."""
    if all(len(group) == 1 for group in groups):
        return appointment_ids([group[0] for group in groups])
    return st.sampled_from([tuple(group) for group in groups]).flatmap(st.sampled_from)


def unreal_ids(policy: IdPolicy) -> st.SearchStrategy[int]:
    """Ids that cannot be real appointments: non-positive int32 values, or the configured surely-unused range."""
    choices = [st.integers(INT32_MIN, 0)]
    if policy.unused is not None:
        choices.append(st.integers(*policy.unused))
    return st.one_of(choices)


def reject_calls(
    ids: st.SearchStrategy[int], reasons: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[RejectCall]:
    """Schema-valid Reject calls on ``ids``, over every mode, with ``reasons`` (default: ``reject_reasons()``)."""
    return st.builds(RejectCall, ids, reject_reasons() if reasons is None else reasons, update_modes())
