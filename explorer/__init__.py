"""App layer of RoPE Explorer: navigation, URL state, sidebar, chart builders, cached frames."""

import os

# The app's matrices are small (at most a few thousand × 512): a BLAS thread pool only adds
# contention on the 1–2 cores a Community Cloud app gets, and under load a threaded product is far
# slower. numpy is first imported by this package in the server process, so the
# limit takes effect there; an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def _pin_mmap_threshold(nbytes: int = 128 * 1024) -> bool:
    """glibc raises its mmap threshold (up to 32 MiB) after large blocks are freed; the numpy temporaries of
    a heavy run then come from per-thread heap arenas and stay resident once freed. Pinning the threshold
    (mallopt M_MMAP_THRESHOLD) maps large arrays on their own and returns them to the OS when freed, which keeps
    the server's memory after many sessions down (bench/results.md). A no-op off glibc."""
    import ctypes

    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(-3, nbytes))  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return False


MMAP_THRESHOLD_PINNED = _pin_mmap_threshold()


def _copy_on_write() -> None:
    """explorer.cache hands out shallow copies of shared cached frames: with copy-on-write (always on from
    pandas 3) writing to one never changes the cached frame; pandas 2 needs it switched on."""
    import pandas as pd

    if int(pd.__version__.split(".")[0]) < 3:
        pd.set_option("mode.copy_on_write", True)


_copy_on_write()
