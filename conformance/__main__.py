"""``python -m conformance`` is ``conformance``."""

import sys

from .cli.main import main

sys.exit(main())
