"""App layer of RoPE Explorer: navigation, URL state, sidebar, chart builders, cached frames."""

import os

# The app's matrices are small (at most a few thousand × 512): a BLAS thread pool only adds
# contention on the 1–2 cores a Community Cloud app gets (a 64×256×64 product measured 100× slower
# under load with threads). numpy is first imported by this package in the server process, so the
# limit takes effect there; an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
