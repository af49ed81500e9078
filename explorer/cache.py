"""The app's one cache policy: bounded entries and a time limit, so memory stays flat."""

from __future__ import annotations

import streamlit as st

from rope_core import RopeConfig

MAX_ENTRIES = 16
TTL = "1h"

# Streamlit hashes an unknown object by walking its __reduce__ output: 0.35 ms for one RopeConfig, paid by every
# cached call on every rerun. repr() of the frozen dataclass names every field with round-trip float reprs,
# so it identifies the config exactly, and hashing that string takes 0.02 ms.
HASH_FUNCS = {RopeConfig: repr}


def cached(func):
    """st.cache_data with the app's bounds; key a function on a RopeConfig and scalars only."""
    return st.cache_data(func, max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=HASH_FUNCS)
