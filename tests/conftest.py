"""Shared test set-up.

AppTest runs the app in this process and reads .streamlit/config.toml, which hides exception details from
viewers (showErrorDetails = "none", right for a public deployment). Tests need the real message in
`at.exception[i].message`, so they see full details.
"""

from __future__ import annotations

import os

# one BLAS thread, as the server has (explorer/__init__.py): tests/apptest_utils imports numpy before explorer
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from streamlit import config as _st_config

_st_config.set_option("client.showErrorDetails", "full")
