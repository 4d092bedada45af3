"""One run: executing a case (``runner``), the run in one process (``session``), baselines (``baseline``)."""
