"""A Ctrl-C that Python swallows (raised inside a garbage-collection callback, as hypothesis installs one) is
raised again at the next test or generated example, instead of being lost."""

from __future__ import annotations

import subprocess
import sys

SWALLOWED = """
import gc, signal
from conformance.plugin import ctrl_c

ctrl_c.install()

def callback(phase, info):  # what a Ctrl-C during hypothesis' own gc callback amounts to
    if phase == "start":
        gc.callbacks.remove(callback)
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)

gc.callbacks.append(callback)
gc.collect()
print("went on", flush=True)
try:
    ctrl_c.raise_if_swallowed()
except KeyboardInterrupt:
    print("raised again")
ctrl_c.raise_if_swallowed()
print("once only")
"""


def test_a_swallowed_ctrl_c_is_raised_again_once():
    done = subprocess.run([sys.executable, "-c", SWALLOWED], capture_output=True, text=True, timeout=60)
    assert done.stdout.split("\n")[:3] == ["went on", "raised again", "once only"], done.stdout + done.stderr
    assert "KeyboardInterrupt" in done.stderr, "Python reports the one it discarded"


def test_a_ctrl_c_pytest_has_seen_is_not_raised_again():
    code = "from conformance.plugin import ctrl_c\nctrl_c._pressed.set()\nctrl_c.seen()\nctrl_c.raise_if_swallowed()\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
