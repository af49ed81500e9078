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


def test_a_cached_result_cannot_be_changed_through_what_a_caller_gets():
    """Results are shared by every session (st.cache_resource): writing to a returned frame must not reach the
    cache, and writing into a returned array must fail loudly."""
    import pandas as pd
    import pytest

    calls = []

    @cache.cached
    def frames(cfg: RopeConfig, n: int) -> dict:
        calls.append(n)
        return {"df": pd.DataFrame({"a": np.arange(n, dtype=float)}), "arr": np.arange(n, dtype=float),
                "pair": (np.ones(n), pd.DataFrame({"b": [1, 2]}))}

    cfg = RopeConfig()
    got = frames(cfg, 3)
    got["df"]["a"] = -1.0
    got["df"].loc[0, "a"] = 99.0
    got["df"]["new"] = 1
    got["pair"][1].iloc[0, 0] = 7
    with pytest.raises(ValueError):
        got["arr"][0] = 5.0
    with pytest.raises(ValueError):
        got["pair"][0][:] = 0.0
    got["extra"] = "x"
    again = frames(cfg, 3)
    assert len(calls) == 1  # a hit, on the very object stored
    assert list(again["df"].columns) == ["a"] and again["df"]["a"].tolist() == [0.0, 1.0, 2.0]
    assert again["arr"].tolist() == [0.0, 1.0, 2.0] and again["pair"][0].tolist() == [1.0, 1.0, 1.0]
    assert again["pair"][1]["b"].tolist() == [1, 2] and "extra" not in again


def test_key_tells_apart_what_differs_and_matches_what_is_equal():
    @dataclasses.dataclass(frozen=True)
    class Method:
        label: str
        config: RopeConfig
        seq_len: int | None

    a = Method("YaRN", RopeConfig(rope_theta=10_000.0), None)
    same = Method("YaRN", RopeConfig(rope_theta=10_000.0), None)
    assert cache.key((a, 8192)) == cache.key((same, 8192))
    different = [
        1, 1.0, True, "1", None, np.int64(1), np.float64(1.0),
        0.1, float(np.nextafter(0.1, 1.0)), float("nan"), float("inf"),
        (1, 2), [1, 2], (1, (2,)), ((1, 2),),
        {"a": 1}, {"a": 1.0}, {"b": 1}, {"a": 1, "b": 2},
        a, Method("YaRN", RopeConfig(rope_theta=10_000.0), 8192), Method("PI", a.config, None),
        Method("YaRN", RopeConfig(rope_theta=float(np.nextafter(10_000.0, 0.0))), None),
    ]
    keys = [cache.key(v) for v in different]
    assert len(set(keys)) == len(different)
    for bad in (np.arange(3.0), lambda: 1, object()):
        try:
            cache.key(bad)
        except cache.Unkeyable:
            continue
        raise AssertionError(f"{bad!r} got a key")


def test_cached_calls_are_bounded_least_recently_used_first_and_skip_underscore_parameters(monkeypatch):
    calls = []

    @cache.cached
    def f(n: int, _build=None) -> list:
        calls.append(n)
        return [n]

    assert f(0, _build=lambda: 1) == [0] and f(0, _build=lambda: 2) == [0] and calls == [0]  # _build: not keyed
    for n in range(1, cache.MAX_ENTRIES):
        f(n)
    f(0)  # 0 is now the most recently used: the next new entry drops 1, the least recently used
    assert len(calls) == cache.MAX_ENTRIES
    f(cache.MAX_ENTRIES)
    f(0)
    assert len(calls) == cache.MAX_ENTRIES + 1
    f(1)
    assert calls[-1] == 1 and len(calls) == cache.MAX_ENTRIES + 2
    monkeypatch.setattr(cache, "TTL", -1.0)  # every entry stored from now on has expired
    f(10**6)
    f(10**6)
    assert calls[-2:] == [10**6, 10**6]


def test_an_argument_without_a_key_is_hashed_by_streamlit_and_still_cached():
    calls = []

    @cache.cached
    def total(values: np.ndarray) -> float:
        calls.append(1)
        return float(values.sum())

    assert total(np.arange(4.0)) == 6.0 and total(np.arange(4.0)) == 6.0 and len(calls) == 1
    assert total(np.arange(5.0)) == 10.0 and len(calls) == 2


def test_extra_positional_arguments_are_part_of_the_key():
    @cache.cached
    def total(first: int, *rest: int) -> int:
        return first + sum(rest)

    assert total(1, 2) == 3 and total(1, 5) == 6 and total(1, 2, 3) == 6 and total(1) == 1
