"""How much memory a simulation needs, checked before anything is allocated."""

from __future__ import annotations

import os

import jax


def available_memory() -> int:
    """Bytes of memory the simulator may use on JAX's default backend."""
    try:
        stats = jax.devices()[0].memory_stats() or {}
    except Exception:  # backends without memory stats
        stats = {}
    if "bytes_limit" in stats:
        return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


# A simulation keeps a few copies of the state alive at once (input, output, a gate's temporary).
_STATE_COPIES = 4


def check_memory(num_wires: int, itemsize: int = 16) -> None:
    """Refuse, before allocating, a statevector that cannot fit in memory.

    Raises:
        MemoryError: naming the number of wires, the bytes needed and the bytes available.
    """
    need = _STATE_COPIES * (2**num_wires) * itemsize
    have = available_memory()
    if need > have:
        raise MemoryError(
            f"simulating {num_wires} wires needs about {need / 2**30:.3g} GiB "
            f"({_STATE_COPIES} statevectors of 2^{num_wires} x {itemsize} bytes) but only "
            f"{have / 2**30:.3g} GiB is available; use fewer wires."
        )
