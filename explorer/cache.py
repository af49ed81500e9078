"""The app's one cache policy: bounded entries and a time limit, so memory stays flat.

Frames are cached with st.cache_resource, not st.cache_data: st.cache_data pickles every new result and
unpickles a fresh copy on every hit (a noticeable part of each rerun on the heavier pages), while
st.cache_resource hands back the stored object itself. That object is shared by every session, so what a
caller gets is made safe to use without copying (`_guarded`): a DataFrame as a shallow copy (with
copy-on-write, which pandas 3 always uses and explorer/__init__.py turns on for pandas 2, writing to it
never reaches the cached one), a numpy array as a read-only view (writing to it raises), and the
containers (dict, list, tuple) of those rebuilt around them.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import streamlit as st

from rope_core import RopeConfig

MAX_ENTRIES = 16
TTL = 3600.0  # seconds: Streamlit parses a string TTL ("1h") through pd.Timedelta on every cached call

# Streamlit hashes an unknown object by walking its __reduce__ output, paid by every cached call on every rerun.
# repr() of the frozen dataclass names every field with round-trip float reprs, so it identifies the config
# exactly, and a string hashes far faster.
HASH_FUNCS = {RopeConfig: repr}


def _guarded(value):
    """`value` as a caller may hold it: nothing done to the result can change the cached object."""
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    if isinstance(value, np.ndarray):
        view = value.view()
        view.flags.writeable = False
        return view
    if isinstance(value, dict):
        return {k: _guarded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_guarded(v) for v in value)
    return value


def cached(func):
    """A bounded, shared cache of `func`'s results; key a function on a RopeConfig and scalars only."""
    store = st.cache_resource(func, max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=HASH_FUNCS)

    @functools.wraps(func)
    def call(*args, **kwargs):
        return _guarded(store(*args, **kwargs))

    call.clear = store.clear
    return call
