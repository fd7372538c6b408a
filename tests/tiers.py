"""Which tests the fast subset (``-m "not slow"``) runs.

The fast subset proves the logic in about a minute and a half on this 2-core machine; the
full suite (``bash scripts/test.sh``, what CI runs) runs every test. A test is ``slow`` when
it proves a real part end to end: a whole build or load through the CLI (several seconds
of SHACL validation each), a second process, the synthetic generator, an app page driven
through several interactions, a real browser, model or server. A parametrized check keeps
its first case fast and runs the other cases in the full suite (:func:`first_fast`).
"""

from __future__ import annotations

import pytest

slow = pytest.mark.slow


def first_fast(values: list) -> list:
    """``values`` for ``pytest.mark.parametrize``: the first case in the fast subset, the
    others marked slow. A tuple is one case of several argument names."""
    def case(v):
        return pytest.param(*v, marks=slow) if isinstance(v, tuple) else pytest.param(
            v, marks=slow)
    return [values[0], *(case(v) for v in values[1:])]
