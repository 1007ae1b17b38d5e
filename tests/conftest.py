"""The float64 suite: every test here runs with JAX's x64 enabled (float32 has its own file)."""

import jax

jax.config.update("jax_enable_x64", True)

# Hypothesis profiles of the property suite (tests/test_properties.py, tests/strategies.py): "ci", the
# default, is derandomized (a fixed seed) with a budget that keeps the suite to a few minutes on 2 cores;
# "long" (pytest --hypothesis-profile=long) explores much further. No deadline: the first example of a
# structure includes its compilation.
from hypothesis import HealthCheck, settings  # noqa: E402

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci", max_examples=8, derandomize=True, database=None, deadline=None, suppress_health_check=_SLOW_OK
)
settings.register_profile("long", max_examples=300, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile("ci")

# When a property fails, hypothesis's pytest plugin imports its patch writer (libcst), which emits a
# DeprecationWarning on import; under ``filterwarnings = error`` that would turn the failure report into
# an INTERNALERROR. Import it once here with warnings silenced, so a failing property reports normally.
import contextlib  # noqa: E402
import warnings  # noqa: E402

with warnings.catch_warnings(), contextlib.suppress(ImportError):  # libcst is optional
    warnings.simplefilter("ignore")
    import hypothesis.extra._patching  # noqa: F401
