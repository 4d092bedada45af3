"""What the suite sends: the deterministic cases (fixtures, coverage, negative, auth), hypothesis strategies, and
the hypothesis properties that fire generated calls."""
