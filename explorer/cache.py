"""The app's one cache policy: bounded entries and a time limit, so memory stays flat.

Frames are cached by reference, as st.cache_resource does, not pickled as st.cache_data does (st.cache_data
unpickles a fresh copy on every hit, a noticeable part of each rerun on the heavier pages). The stored object is
shared by every session, so what a caller gets is made safe to use without copying (`_guarded`): a DataFrame
as a shallow copy (with copy-on-write, which pandas 3 always uses and explorer/__init__.py turns on for pandas
2, writing to it never reaches the cached one), a numpy array as a read-only view (writing to it raises), and
the containers (dict, list, tuple) of those rebuilt around them.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
import time
from collections import OrderedDict

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


class Unkeyable(TypeError):
    """An argument key() cannot name exactly (an array, a frame, a function): Streamlit's hashing takes it."""


def key(value) -> tuple | str:
    """An exact, hashable name of an argument built from configs, scalars, strings, containers of them and frozen
    dataclasses of them: equal for equal arguments, different for any two that differ (1, 1.0 and True too)."""
    if isinstance(value, RopeConfig):
        return HASH_FUNCS[RopeConfig](value)
    if value is None or isinstance(value, (bool, int, float, str, bytes, np.bool_, np.integer, np.floating)):
        return type(value).__name__, repr(value)  # float repr round-trips: one ulp apart is another key
    if isinstance(value, (tuple, list)):
        return type(value).__name__, *(key(v) for v in value)
    if isinstance(value, dict):
        return "dict", *((key(k), key(v)) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__module__, type(value).__qualname__,
                *(key(getattr(value, f.name)) for f in dataclasses.fields(value)))
    raise Unkeyable(type(value).__name__)


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


class _Store:
    """MAX_ENTRIES results by key, least recently used dropped first, each for TTL seconds; shared by every session
    of the process, as st.cache_resource is."""

    def __init__(self) -> None:
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, k):
        with self.lock:
            hit = self.entries.get(k)
            if hit is None or hit[0] < time.monotonic():
                return _MISS
            self.entries.move_to_end(k)
            return hit[1]

    def put(self, k, value) -> None:
        with self.lock:
            self.entries[k] = (time.monotonic() + TTL, value)
            self.entries.move_to_end(k)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_MISS = object()


def cached(func):
    """A bounded, shared cache of `func`'s results; key a function on a RopeConfig and scalars only.

    Arguments are named by key(), in microseconds: st.cache_resource binds the signature and hashes every argument
    on every call, hit or miss, which cost a page up to several milliseconds per rerun. Parameters whose name
    starts with "_" are not part of the key (as in st.cache_resource). A call with an argument key() cannot name
    goes to st.cache_resource, which hashes it."""
    positional = inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [n for n, p in inspect.signature(func).parameters.items() if p.kind in positional]
    store = _Store()
    fallback = st.cache_resource(func, max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=HASH_FUNCS)

    @functools.wraps(func)
    def call(*args, **kwargs):
        try:
            named = [*params, *[""] * (len(args) - len(params))]  # extra positional arguments (*args) are keyed too
            k = (tuple(key(a) for name, a in zip(named, args) if not name.startswith("_")),
                 tuple((name, key(v)) for name, v in sorted(kwargs.items()) if not name.startswith("_")))
        except Unkeyable:
            return _guarded(fallback(*args, **kwargs))
        value = store.get(k)
        if value is _MISS:
            value = func(*args, **kwargs)
            store.put(k, value)
        return _guarded(value)

    def clear() -> None:
        store.clear()
        fallback.clear()

    call.clear = clear
    return call
