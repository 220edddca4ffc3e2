"""Memory settings of a long-running server process, applied once when it is built, before it serves."""

import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger(__name__)

# glibc's mallopt() parameter: allocations from this size up get a mapping of their own, given back on free.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 1024 * 1024


def settle() -> None:
    """Freeze what startup built, and keep large buffers out of malloc's arenas."""
    # What is built by now (modules, the schema, the mappers: ~150,000 objects) lives as long as the process.
    # Out of the collector's sight, it is no longer scanned by every full collection, each of which stopped the
    # event loop for ~110 ms on two cores (bench/peer's and bench/overload's p99s).
    gc.collect()
    gc.freeze()
    if not keep_large_allocations_mapped():
        log.warning("malloc's mmap threshold is left adjustable: large freed buffers may stay resident")


def keep_large_allocations_mapped() -> bool:
    """Fix glibc's mmap threshold at 1 MiB; False where the C library is not glibc.

    glibc raises the threshold to the size of the largest mapping freed so far (up to 32 MiB), so from the second
    access code on, scrypt's 16 MiB buffer (resolvers/access_code.py) came from a worker thread's arena and stayed
    resident after it was freed: +16 MiB per thread that ever hashed (bench/soak saw it as a step in the RSS).
    Setting the threshold turns that adjustment off; mapping 16 MiB afresh costs scrypt a few milliseconds.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
