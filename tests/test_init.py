"""rope_core/__init__.py: the public names, and a package that imports no app libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import rope_core

CONTRACT = [
    "RopeConfig", "SCALING_TYPES", "inv_freq", "attention_factor", "default_inv_freq", "wavelengths",
    "yarn_correction_range", "ntk_base", "angles", "pair_indices", "rotation_matrix", "apply_rope",
    "identity_errors", "scores_absolute", "score_vs_distance", "relative_score_matrix", "diagonal_spread",
    "correlation", "roformer_bound", "men_b", "men_first_negative", "men_min_theta", "sinusoidal_pe",
    "additive_vs_rope", "random_projections", "attention_maps", "angle_error", "ood_angles", "PRESETS",
    "Preset", "preset_config",
]


def test_contract_names_are_exported_at_top_level():
    for name in CONTRACT:
        assert name in rope_core.__all__ and hasattr(rope_core, name), name
    for name in rope_core.__all__:
        assert hasattr(rope_core, name), name


def test_import_loads_no_streamlit_pandas_or_altair():
    code = ("import json, sys; import rope_core; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {'streamlit', 'pandas', 'altair'})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_explorer_pins_glibcs_mmap_threshold_and_limits_blas_threads():
    """explorer/__init__.py: on glibc (Debian, as on Community Cloud) large freed arrays go back to the OS."""
    import platform

    code = ("import json, os, explorer; "
            "print(json.dumps([explorer.MMAP_THRESHOLD_PINNED, os.environ['OPENBLAS_NUM_THREADS']]))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    pinned, threads = json.loads(out.stdout)
    assert pinned is (platform.libc_ver()[0] == "glibc") and threads == "1"
