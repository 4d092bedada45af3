"""Ctrl-C that Python swallowed, raised again.

A ``KeyboardInterrupt`` raised while Python runs a garbage-collection callback (hypothesis installs one, to time
its own work) is discarded as "unraisable", and the run would go on as if Ctrl-C had never been pressed. The
suite's SIGINT handler notes each press before it raises; the next test and the next generated example raise it
again unless pytest has already seen it.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_pressed = threading.Event()


def install() -> None:
    """On the main thread, and only where SIGINT has Python's own handler (not ignored, not someone else's)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return

    def pressed(signum: int, frame: FrameType | None) -> None:
        _pressed.set()
        signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt

    signal.signal(signal.SIGINT, pressed)


def seen() -> None:
    """pytest has the interrupt: nothing to raise again."""
    _pressed.clear()


def raise_if_swallowed() -> None:
    """Raise the ``KeyboardInterrupt`` of a Ctrl-C that went nowhere."""
    if _pressed.is_set():
        _pressed.clear()
        raise KeyboardInterrupt
