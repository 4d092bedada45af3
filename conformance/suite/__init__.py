"""The conformance suite's tests, collected by ``pytest --pyargs conformance`` (or ``conformance run``)."""
