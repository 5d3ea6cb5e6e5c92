"""How many examples a property test tries.

A thorough budget (several hundred examples) is fuzzing-level work: it runs where the run
includes the `fuzz` tests (the whole suite, as CI runs it first, or `-m fuzz`). A run that
leaves fuzzing out (`-m "not fuzz"`, the fast suites) tries hypothesis' default of 100 examples
per property, so it stays fast without dropping any property.
"""

from __future__ import annotations

DEFAULT = 100

# set by tests/conftest.py before any test module is imported
thorough = True


def examples(budget: int) -> int:
    """`budget` examples in a run with the fuzz tests, at most the default otherwise."""
    return budget if thorough else min(budget, DEFAULT)
