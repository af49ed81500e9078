"""explorer.cache: configs are cache keys through repr(), which must tell every two different configs apart."""

from __future__ import annotations

import dataclasses

import numpy as np

import rope_core
from explorer import cache
from rope_core import RopeConfig


def variants(cfg: RopeConfig):
    """cfg with one field changed at a time, by the smallest step that field allows."""
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        if f.name == "layout":
            new = "interleaved" if v == "half" else "half"
        elif isinstance(v, bool):
            new = not v
        elif isinstance(v, float):
            new = float(np.nextafter(v, np.inf))
        elif isinstance(v, int):
            new = v + 2
        elif isinstance(v, tuple):
            new = (*v[:-1], float(np.nextafter(v[-1], np.inf)))
        else:
            continue
        try:
            yield f.name, dataclasses.replace(cfg, **{f.name: new})
        except ValueError:  # a value the config refuses (e.g. a list of the wrong length)
            continue


def test_repr_key_tells_every_field_apart():
    configs = [RopeConfig(), *(rope_core.preset_config(name) for name in rope_core.PRESETS)]
    checked = set()
    for cfg in configs:
        key = cache.HASH_FUNCS[RopeConfig](cfg)
        for name, other in variants(cfg):
            if other != cfg:
                assert cache.HASH_FUNCS[RopeConfig](other) != key, (name, cfg)
                checked.add(name)
    assert {"rope_theta", "head_dim", "factor", "layout", "short_factor"} <= checked, checked


def test_cached_function_keys_on_the_config():
    calls = []

    @cache.cached
    def theta0(cfg: RopeConfig) -> float:
        calls.append(cfg)
        return float(rope_core.inv_freq(cfg)[1])

    a = RopeConfig(rope_theta=10_000.0)
    b = RopeConfig(rope_theta=float(np.nextafter(10_000.0, np.inf)))
    assert theta0(a) == theta0(a) and len(calls) == 1  # a hit
    theta0(b)
    assert len(calls) == 2 and calls[1] is b  # one ulp of θ is another entry, not a hit on a
