"""`streamlit <args>` with glibc's mmap threshold pinned at 128 KiB: an experiment for the memory part.

glibc raises its mmap threshold after large blocks are freed (up to 32 MiB), so numpy temporaries of a
heavy run then come from the heap arenas (one per script thread) and stay resident after they are
freed. mallopt(M_MMAP_THRESHOLD) pins it: large arrays are mmapped and returned to the OS when freed.
The app could make the same call at import (ctypes, glibc only). Used by `python -m bench --only memory
--server-mallopt`.
"""

import ctypes
import sys

M_MMAP_THRESHOLD = -3

try:
    ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 128 * 1024)
except OSError:  # not glibc: run unchanged
    pass

from streamlit.web.cli import main  # noqa: E402

sys.argv = ["streamlit", *sys.argv[1:]]
sys.exit(main())
