"""Unit and property tests of explorer/params.py: URL values are parsed, clamped or reset, and explained.

Every ParamSpec kind (int, even int, float, log grid, int grid, choice, bool, callable bounds) gets the hostile
inputs a shared link can carry; each must come back as a usable value with a warning that names the key and the
allowed range, and parsing must never raise. Hypothesis then throws arbitrary text at every spec, including the
app's real shared specs from explorer.controls.SHARED.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.params import MAX_RAW_CHARS, POW2_CONTEXTS, THETA_GRID, ParamSpec, human, parse_query

INT = ParamSpec("L", "Sequence length", "int", 256, "h", lo=2, hi=8192, step=1)
EVEN = ParamSpec("d", "Head dim", "int", 128, "h", lo=2, hi=512, step=2, even=True)
FLOAT = ParamSpec("factor", "factor", "float", 8.0, "h", lo=1.0, hi=64.0, step=0.5)
ZERO_FLOAT = ParamSpec("mscale", "YaRN mscale", "float", 0.0, "h", lo=0.0, hi=2.0, step=0.05)
GRID = ParamSpec("theta", "rope_theta (base)", "grid", 10000.0, "h", lo=10.0, hi=1e8, options=THETA_GRID)
INT_GRID = ParamSpec("orig", "Original context", "grid", 4096, "h", lo=128, hi=2**20, options=POW2_CONTEXTS)
CHOICE = ParamSpec("scaling", "Scaling method", "choice", "none", "h",
                   options=("none", "linear", "ntk", "dynamic", "yarn", "llama3", "longrope"))
BOOL = ParamSpec("truncate", "YaRN truncate", "bool", True, "h")
# a page-specific control whose bound depends on another value (pair index < d/2)
DEPENDENT = ParamSpec("pair", "Pair index", "int", 0, "h", lo=0, hi=lambda v: int(v["d"]) // 2 - 1, step=1)

NUMERIC = (INT, EVEN, FLOAT, ZERO_FLOAT, GRID, INT_GRID, DEPENDENT)
ALL = (*NUMERIC, CHOICE, BOOL)
CONTEXT = {"d": 64}  # the values dict that callable bounds see

HOSTILE = {
    "word": "abc",
    "empty": "",
    "nan": "nan",
    "NaN": "NaN",
    "inf": "inf",
    "-inf": "-inf",
    "Infinity": "Infinity",
    "overflow": "1e400",
    "negative": "-5",
    "neg-zero": "-0",
    "zero": "0",
    "huge": "1e308",
    "huge-int": "99999999999999999999",
    "odd": "3",
    "non-integer": "2.5",
    "hex": "0x10",
    "nul": "\x00",
    "comma": "1,5",
    "10kB": "7" * 10_240,
    "html": "<script>alert('x')</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "markdown": "**bold** [link](javascript:alert(1)) `code`",
    "unicode": "θ→∞",
    "spaces": "   ",
}


def _valid(spec: ParamSpec, value, values=CONTEXT) -> bool:
    """Is `value` something the widget for `spec` can show?"""
    if spec.kind == "choice":
        return value in spec.options
    if spec.kind == "bool":
        return isinstance(value, bool)
    if spec.kind == "ints":  # "" (unset) or `length` integers in range, written as "a,b,c"
        if value == "":
            return True
        parts = value.split(",") if isinstance(value, str) else []
        return len(parts) == spec.length and all(p.isdigit() and spec.lo <= int(p) <= spec.hi for p in parts)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    lo, hi = spec.bounds(values)
    if not lo <= value <= hi:
        return False
    if spec.kind == "int":
        return isinstance(value, int) and not (spec.even and value % 2)
    return True


def _assert_explained(spec: ParamSpec, warn: str, values=CONTEXT) -> None:
    assert f"`{spec.key}`" in warn, warn
    assert spec.range_text(values) in warn, warn
    if spec.kind in ("int", "float", "grid"):
        lo, hi = spec.bounds(values)
        for bound in (lo, hi):  # the allowed range is spelled out with both ends
            assert f"{bound:g}" in warn or str(int(bound)) in warn, (bound, warn)
    # the raw value is echoed harmlessly: no markup, and short
    assert "<" not in warn and ">" not in warn and "[" not in warn and "*" not in warn, warn
    assert len(warn) < 400, len(warn)


# ---------------------------------------------------------------------------------------------- examples

@pytest.mark.parametrize("spec", ALL, ids=lambda s: f"{s.kind}-{s.key}")
@pytest.mark.parametrize("raw", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_value_is_usable_and_explained(spec, raw):
    value, warn = spec.parse(raw, CONTEXT)
    assert _valid(spec, value), (raw[:30], value)
    if warn is None:
        # only genuinely valid text may pass silently
        if spec.kind == "bool":
            assert raw in ("0", "-0") and value is False, raw
        else:
            assert spec.kind in ("int", "float", "grid") and float(raw) == value, (raw, value)
            assert math.isfinite(float(raw))
    else:
        _assert_explained(spec, warn)


@pytest.mark.parametrize("spec", NUMERIC, ids=lambda s: s.key)
@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "1e400", "abc", "", "<b>1</b>", "7" * 10_240])
def test_unusable_number_resets_to_default(spec, raw):
    value, warn = spec.parse(raw, CONTEXT)
    assert value == spec.default
    assert warn is not None and f"Using {spec.to_url(spec.default)}" in warn


@pytest.mark.parametrize("spec", NUMERIC, ids=lambda s: s.key)
def test_out_of_range_is_clamped_to_the_nearest_end(spec):
    lo, hi = spec.bounds(CONTEXT)
    below, warn_lo = spec.parse(str(lo - 1e6), CONTEXT)
    above, warn_hi = spec.parse("1e308", CONTEXT)
    assert below == lo and above == hi
    _assert_explained(spec, warn_lo)
    _assert_explained(spec, warn_hi)
    for raw in ("-5", "-0.5", "0", "-1e308"):
        value, warn = spec.parse(raw, CONTEXT)
        assert _valid(spec, value)
        if float(raw) < lo:
            assert value == lo and warn is not None


def test_even_int_rounds_odd_values_down_into_range():
    assert EVEN.parse("3", {}) == (2, EVEN.parse("3", {})[1])
    assert EVEN.parse("65", {})[0] == 64
    assert EVEN.parse("513", {})[0] == 512
    assert EVEN.parse("1", {})[0] == 2  # 1 - 1 = 0 is below the range: clamp up to the smallest even
    for raw in ("3", "65", "513", "1", "3.5", "63.9"):
        value, warn = EVEN.parse(raw, {})
        assert value % 2 == 0 and warn is not None and "even" in warn
    assert EVEN.parse("64", {}) == (64, None)
    for raw in ("-5", "513", "1"):  # odd and out of range: the range is what the message must name first
        assert "out of range" in EVEN.parse(raw, {})[1] and "must be even" not in EVEN.parse(raw, {})[1]
    assert "must be even" in EVEN.parse("65", {})[1]


@pytest.mark.parametrize("raw,expected", [("2.5", 2), ("3.7", 4), ("100.2", 100), ("1e1", 10), ("1E2", 100)])
def test_int_non_integers_round(raw, expected):
    value, warn = INT.parse(raw, {})
    assert value == expected and isinstance(value, int)
    if float(raw) != int(float(raw)):
        assert warn is not None and "integer" in warn


def test_int_grid_rejects_non_integer_contexts():
    # orig is a token count: 1000.7 tokens is not a context length
    value, warn = INT_GRID.parse("1000.7", {})
    assert value == int(value), value
    assert warn is not None and "`orig`" in warn


def test_grid_accepts_off_grid_numbers_in_range():
    value, warn = GRID.parse("123456", {})
    assert (value, warn) == (123456.0, None)
    assert 123456.0 in GRID.grid_options(value)
    assert GRID.grid_options(value) == sorted(GRID.grid_options(value))
    for common in (1e4, 5e5, 1e6):  # the usual bases are single stops of the log slider
        assert common in THETA_GRID


@pytest.mark.parametrize("raw", ["HALF", "Linear", "yarn2", "none ", "", "<script>", "su", "7" * 10_240])
def test_unknown_choice_falls_back_to_default(raw):
    value, warn = CHOICE.parse(raw, {})
    assert value == "none"
    _assert_explained(CHOICE, warn)
    for option in CHOICE.options:
        assert option in warn


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("Yes", True), ("on", True),
                                          ("0", False), ("FALSE", False), ("no", False), ("off", False)])
def test_bool_spellings(raw, expected):
    assert BOOL.parse(raw, {}) == (expected, None)


@pytest.mark.parametrize("raw", ["2", "maybe", "", "nan", "<b>", "7" * 10_240])
def test_bad_bool_resets(raw):
    value, warn = BOOL.parse(raw, {})
    assert value is True
    _assert_explained(BOOL, warn)


def test_dependent_bound_follows_the_values():
    assert DEPENDENT.parse("40", {"d": 64}) == (31, DEPENDENT.parse("40", {"d": 64})[1])
    assert DEPENDENT.parse("40", {"d": 128}) == (40, None)
    _, warn = DEPENDENT.parse("40", {"d": 64})
    assert "from 0 to 31" in warn
    # a degenerate range (d = 2: only pair 0) still parses
    assert DEPENDENT.parse("5", {"d": 2})[0] == 0
    assert DEPENDENT.bounds({"d": 0}) == (0, 0)  # hi < lo collapses to lo


def test_too_long_values_are_refused_before_parsing():
    raw = "1" + "0" * MAX_RAW_CHARS  # a valid-looking number, but longer than any real value
    value, warn = INT.parse(raw, {})
    assert value == INT.default and "too long" in warn
    assert INT.parse("1" * MAX_RAW_CHARS, {})[1] is not None  # in range? no: it is huge, so clamped
    _, warn = INT.parse("9" * 10_240, {})
    assert len(warn) < 400


def test_repeated_keys_use_the_last_value_and_warn():
    values, warns = parse_query({"d": ["64", "256"], "L": ["10"]}, [EVEN, INT], {"d": 128, "L": 256})
    assert values == {"d": 256, "L": 10}
    assert len(warns) == 1 and "`d`" in warns[0] and "2 times" in warns[0]
    values, warns = parse_query({"d": ["64", "nan"]}, [EVEN], {"d": 128})
    assert values["d"] == 128 and len(warns) == 2


def test_unknown_keys_reported_harmlessly_and_once():
    raw = {"<script>": ["1"], "zz": ["1"], "embed": ["true"], **{f"k{i}": ["1"] for i in range(10)}}
    values, warns = parse_query(raw, [EVEN], {"d": 128}, ignore=("embed",))
    assert values == {"d": 128}
    assert len(warns) == 1
    assert "<" not in warns[0] and "embed" not in warns[0] and "more" in warns[0]


def test_empty_value_list_is_ignored():
    assert parse_query({"d": []}, [EVEN], {"d": 128}) == ({"d": 128}, [])


def test_parse_query_reads_specs_in_order_so_bounds_see_earlier_values():
    values, warns = parse_query({"pair": ["40"], "d": ["64"]}, [EVEN, DEPENDENT], {"d": 128, "pair": 0})
    assert values == {"d": 64, "pair": 31}
    assert any("`pair`" in w for w in warns)


def test_parse_query_does_not_mutate_its_input():
    start = {"d": 128}
    parse_query({"d": ["64"]}, [EVEN], start)
    assert start == {"d": 128}


def test_clamp_handles_garbage():
    assert EVEN.clamp("x", {}) == 128
    assert EVEN.clamp(float("nan"), {}) == 128
    assert EVEN.clamp(float("inf"), {}) == 512
    assert EVEN.clamp(7, {}) == 6
    assert EVEN.clamp(1, {}) == 2
    assert FLOAT.clamp(None, {}) == 8.0
    assert CHOICE.clamp("bogus", {}) == "none"
    assert BOOL.clamp(0, {}) is False


def test_human_labels():
    assert human(10_000) == "10k" and human(500_000) == "500k" and human(1e6) == "1M" and human(1.5e8) == "150M"
    assert human(10) == "10"


# ---------------------------------------------------------------------------------------------- properties

numbery = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.6g}"),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.sampled_from(list(HOSTILE.values())),
)
anytext = st.one_of(st.text(max_size=200), numbery, st.text(alphabet="0123456789.eE+-_ ", max_size=40))


@settings(max_examples=300, deadline=None)
@given(raw=anytext, spec=st.sampled_from(ALL), d=st.integers(min_value=-4, max_value=600))
def test_parse_never_raises_and_always_explains(raw, spec, d):
    values = {"d": d}
    value, warn = spec.parse(raw, values)
    assert _valid(spec, value, values), (spec.key, raw[:40], value)
    if warn is not None:
        _assert_explained(spec, warn, values)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), spec=st.sampled_from(NUMERIC))
def test_valid_values_round_trip_through_the_url(data, spec):
    lo, hi = spec.bounds(CONTEXT)
    if spec.kind == "int":
        v = data.draw(st.integers(min_value=int(lo), max_value=int(hi)))
        if spec.even:
            v -= v % 2
            if v < lo:
                v += 2
    elif spec.kind == "grid":
        v = data.draw(st.sampled_from(spec.options))
    else:
        v = data.draw(st.floats(min_value=lo, max_value=hi))
    value, warn = spec.parse(spec.to_url(v), CONTEXT)
    assert warn is None, warn
    assert math.isclose(value, v, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=150, deadline=None)
@given(raw=st.dictionaries(st.text(max_size=30), st.lists(anytext, max_size=3), max_size=8))
def test_parse_query_never_raises(raw):
    specs = [EVEN, INT, FLOAT, GRID, INT_GRID, CHOICE, BOOL, DEPENDENT]
    start = {s.key: s.default for s in specs}
    values, warns = parse_query(raw, specs, start)
    for s in specs:
        assert _valid(s, values[s.key], values), (s.key, values[s.key])
    for w in warns:
        assert isinstance(w, str) and "<" not in w and ">" not in w


# ---------------------------------------------------------------------------------------------- the app's specs

def _shared():
    from explorer import controls  # imports rope_core

    return controls.SHARED


def test_shared_specs_are_complete():
    shared = _shared()
    keys = [s.key for s in shared]
    assert len(keys) == len(set(keys))
    for s in shared:
        assert s.help and s.help.strip().endswith((".", ")")), s.key  # one-sentence tooltip
        assert s.kind in ("int", "float", "grid", "choice", "bool", "ints"), s.key
        if s.kind in ("int", "float"):
            assert s.lo is not None and s.hi is not None and s.step, s.key
        if s.kind == "grid":
            lo, hi = s.bounds({x.key: x.default for x in shared})
            assert list(s.options) == sorted(s.options) and lo <= s.options[0] and s.options[-1] <= hi
        if s.kind == "choice":
            assert s.default in s.options or s.key == "preset"
    assert _valid(next(s for s in shared if s.key == "head_dim"), 128)


@settings(max_examples=300, deadline=None)
@given(raw=anytext, i=st.integers(min_value=0, max_value=100))
def test_shared_specs_never_raise(raw, i):
    shared = _shared()
    spec = shared[i % len(shared)]
    values = {s.key: s.default for s in shared}
    value, warn = spec.parse(raw, values)
    if spec.key != "preset":  # the preset's options are filled in by the sidebar
        assert _valid(spec, value, values), (spec.key, raw[:40], value)
    if warn is not None:
        _assert_explained(spec, warn, values)


@pytest.mark.parametrize("raw", list(HOSTILE.values()), ids=list(HOSTILE))
def test_shared_specs_hostile(raw):
    shared = _shared()
    values = {s.key: s.default for s in shared}
    out, warns = parse_query({s.key: [raw] for s in shared[1:]}, shared[1:], values)
    for s in shared[1:]:
        assert _valid(s, out[s.key], out), (s.key, out[s.key])
    named = " ".join(warns)
    for s in shared[1:]:
        ok, _ = s.parse(raw, values)
        if _ is not None:
            assert f"`{s.key}`" in named


# ---------------------------------------------------------------------------------------------- the URL edge
# Today's link forms (short names, scaling=none, NTK's alpha, page lengths that became the target context), each
# with the state it means, written out by hand.
OLD_LINKS = [
    ({"theta": ["500000"], "d": ["64"], "prf": ["0.5"], "L": ["300"]},
     {"rope_theta": ["500000"], "head_dim": ["64"], "partial_rotary_factor": ["0.5"], "window": ["300"]}),
    ({"scaling": ["none"]}, {"rope_type": ["default"]}),
    ({"scaling": ["yarn"], "bfast": ["16"], "bslow": ["2"], "mscale_all": ["1"], "orig": ["8192"]},
     {"rope_type": ["yarn"], "beta_fast": ["16"], "beta_slow": ["2"], "mscale_all_dim": ["1"],
      "original_max_position_embeddings": ["8192"]}),
    ({"scaling": ["llama3"], "low": ["2"], "high": ["8"], "target": ["131072"]},
     {"rope_type": ["llama3"], "low_freq_factor": ["2"], "high_freq_factor": ["8"], "max_position_embeddings": ["131072"]}),
    ({"scaling": ["ntk"], "alpha": ["4"]}, {"rope_type": ["ntk"], "factor": ["4"]}),
    ({"scaling": ["yarn"], "alpha": ["4"]}, {"rope_type": ["yarn"]}),  # alpha changed nothing but NTK
    ({"ctx": ["65536"], "view": ["men"], "maxdist": ["4000"]}, {"max_position_embeddings": ["65536"], "view": ["men"]}),
    ({"maxpos": ["1000000"]}, {"max_position_embeddings": ["1000000"]}),
    ({"preset": ["llama-3.1-8b"], "theta": ["10"], "rope_theta": ["20"]}, {"preset": ["llama-3.1-8b"], "rope_theta": ["20"]}),
]


@pytest.mark.parametrize("raw,state", OLD_LINKS)
def test_old_link_names_read_as_the_config_names(raw, state):
    from explorer import controls

    query, given = controls.canonical_query(raw)
    assert query == state
    assert all(given[k] in raw for k in query)


def test_an_alias_warning_names_the_parameter_as_the_link_spelled_it():
    from explorer import controls

    query, given = controls.canonical_query({"theta": ["nan"], "d": ["63"]})
    values = {s.key: s.default for s in controls.SHARED}
    _, warns = parse_query(query, controls.SHARED[1:], values, names=given)
    text = " ".join(warns)
    assert "`theta` (= `rope_theta`)" in text and "a number from 10 to 100000000" in text
    assert "`d` (= `head_dim`)" in text and "even" in text


# ---------------------------------------------------------------------------------------------- new rope types
SECTION = ParamSpec("mrope_section", "mrope_section", "ints", "", "h", lo=0, hi=256, length=3)


@pytest.mark.parametrize("raw,expected", [("16,24,24", "16,24,24"), (" 11, 11 ,10", "11,11,10"), ("", ""),
                                          ("0,0,64", "0,0,64")])
def test_ints_read_a_section_written_by_hand(raw, expected):
    assert SECTION.parse(raw, {}) == (expected, None)
    assert SECTION.ints(expected) == (tuple(int(p) for p in expected.split(",")) if expected else None)


@pytest.mark.parametrize("raw", ["16,24", "16,24,24,1", "a,b,c", "-1,24,41", "16;24;24", "1.5,2,3", "257,0,0",
                                 "16,,24", "1e3,1,1"])
def test_ints_refuse_malformed_sections_naming_the_field_and_form(raw):
    value, warn = SECTION.parse(raw, {})
    assert value == ""
    assert "`mrope_section`" in warn and "3 integers from 0 to 256 separated by commas" in warn
    with pytest.raises(ValueError, match="mrope_section must be 3 integers from 0 to 256"):
        SECTION.ints(raw)


def test_an_old_preset_name_in_a_link_reads_as_todays_preset():
    from explorer import controls

    query, _ = controls.canonical_query({"preset": ["phi-3-mini-128k"], "rope_theta": ["20000"]})
    assert query == {"preset": ["phi-3.5-mini-instruct"], "rope_theta": ["20000"]}
    assert controls.preset_slugs()["phi-3-mini-128k"] == "Phi-3.5-mini-instruct"
    assert "phi-3-mini-128k" not in controls.listed_preset_slugs()  # the selectbox lists today's names only
    assert "phi-3.5-mini-instruct" in controls.listed_preset_slugs()
