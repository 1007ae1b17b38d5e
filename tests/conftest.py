"""The float64 suite: every test here runs with JAX's x64 enabled (float32 has its own file)."""

import jax

jax.config.update("jax_enable_x64", True)
