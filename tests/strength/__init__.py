"""Suite strength: the conformance suite run against endpoint variants that are wrong in exactly one way."""
