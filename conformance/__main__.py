"""``python -m conformance`` is ``conformance``."""

import sys

from .cli import main

sys.exit(main())
