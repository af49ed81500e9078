"""The app's one cache policy: bounded entries and a time limit, so memory stays flat."""

from __future__ import annotations

import streamlit as st

MAX_ENTRIES = 16
TTL = "1h"


def cached(func):
    """st.cache_data with the app's bounds; key a function on a RopeConfig and scalars only."""
    return st.cache_data(func, max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False)
