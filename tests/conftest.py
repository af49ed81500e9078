"""Shared test set-up.

AppTest runs the app in this process and reads .streamlit/config.toml, which hides exception details from
viewers (showErrorDetails = "none", right for a public deployment). Tests need the real message in
`at.exception[i].message`, so they see full details.
"""

from __future__ import annotations

from streamlit import config as _st_config

_st_config.set_option("client.showErrorDetails", "full")
