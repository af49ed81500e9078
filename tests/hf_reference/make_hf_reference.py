"""Write hf_reference.json: what Hugging Face transformers itself computes for RoPE.

Run it with a separate environment that has torch and transformers (never the app's):
    python -m venv /tmp/hfvenv
    /tmp/hfvenv/bin/pip install torch==2.13.0 transformers numpy ml_dtypes
    /tmp/hfvenv/bin/python tests/hf_reference/make_hf_reference.py

It calls transformers' real code: ROPE_INIT_FUNCTIONS (or the model's
compute_default_rope_parameters for rope_type "default"), the models' RotaryEmbedding modules,
rotate_half / apply_rotary_pos_emb (Llama, GPT-NeoX), GPT-J's rotate_every_two and DeepSeek-V3's
apply_rotary_pos_emb_interleave. tests/test_hf_reference.py checks rope_core against the file
with plain numpy. transformers computes in float32, so the file carries float32-rounded values.

Factor lists in the longrope cases are synthetic test inputs (1 + 0.05 i, 1 + 0.5 i), not any
model's published values.
"""

from __future__ import annotations

import importlib
import json
import pathlib
import sys

import numpy as np
import torch
import transformers
from transformers import AutoConfig
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from rope_core.presets import PRESETS  # noqa: E402  (the preset data; rope_core needs numpy + ml_dtypes)

OUT = pathlib.Path(__file__).with_name("hf_reference.json")

# model_type -> (modeling module, RotaryEmbedding class) for rope_type "default".
ROTARY_CLASSES = {
    "llama": ("llama", "LlamaRotaryEmbedding"),
    "mistral": ("mistral", "MistralRotaryEmbedding"),
    "mixtral": ("mixtral", "MixtralRotaryEmbedding"),
    "qwen2": ("qwen2", "Qwen2RotaryEmbedding"),
    "gemma2": ("gemma2", "Gemma2RotaryEmbedding"),
    "gemma3_text": ("gemma3", "Gemma3RotaryEmbedding"),
    "gpt_neox": ("gpt_neox", "GPTNeoXRotaryEmbedding"),
    "phi3": ("phi3", "Phi3RotaryEmbedding"),
    "deepseek_v3": ("deepseek_v3", "DeepseekV3RotaryEmbedding"),
    "gpt_oss": ("gpt_oss", "GptOssRotaryEmbedding"),
}
LAYER_TYPES = {"global": "full_attention", "local": "sliding_attention", None: None}


def rotary_class(model_type: str):
    module, name = ROTARY_CLASSES[model_type]
    return getattr(importlib.import_module(f"transformers.models.{module}.modeling_{module}"), name)


def hf_config(cfg: dict):
    cfg = dict(cfg)
    if "text_config" in cfg:  # Gemma 3: the language model's config
        cfg = dict(cfg["text_config"])
    model_type = cfg.pop("model_type")
    return model_type, AutoConfig.for_model(model_type, **cfg)


def hf_inv_freq(cfg: dict, seq_len=None, layer_type=None):
    model_type, config = hf_config(cfg)
    hf_layer = LAYER_TYPES[layer_type]
    params = config.rope_parameters[hf_layer] if hf_layer else config.rope_parameters
    kwargs = {"layer_type": hf_layer} if hf_layer else {}
    if params["rope_type"] == "default":
        fn = rotary_class(model_type).compute_default_rope_parameters
    else:
        fn = ROPE_INIT_FUNCTIONS[params["rope_type"]]
    inv, factor = fn(config, device=None, seq_len=seq_len, **kwargs)
    return inv.double().tolist(), float(factor)


def longrope_lists(n: int) -> tuple[list[float], list[float]]:
    return [1.0 + 0.05 * i for i in range(n)], [1.0 + 0.5 * i for i in range(n)]


def llama(head_dim: int, theta: float, max_pos: int, scaling: dict | None, **extra) -> dict:
    return {"model_type": "llama", "hidden_size": head_dim * 4, "num_attention_heads": 4, "head_dim": head_dim,
            "max_position_embeddings": max_pos, "rope_theta": theta, "rope_scaling": scaling, **extra}


def frequency_cases() -> list[dict]:
    short, long = longrope_lists(48)
    phi3 = {"model_type": "phi3", "hidden_size": 3072, "num_attention_heads": 32,
            "max_position_embeddings": 131072, "original_max_position_embeddings": 4096, "rope_theta": 10000.0,
            "rope_scaling": {"type": "longrope", "short_factor": short, "long_factor": long}}
    short8, long8 = longrope_lists(32)
    cases = [
        ("default d=128 theta=1e4", llama(128, 10000.0, 4096, None), [None]),
        ("default d=128 theta=5e5", llama(128, 500000.0, 8192, None), [None]),
        ("default partial gpt_neox rotary_pct=0.25",
         {"model_type": "gpt_neox", "hidden_size": 6144, "num_attention_heads": 64, "rotary_pct": 0.25,
          "rotary_emb_base": 10000, "max_position_embeddings": 2048}, [None]),
        ("linear x4", llama(128, 10000.0, 16384, {"rope_type": "linear", "factor": 4.0}), [None]),
        ("dynamic x2", llama(128, 10000.0, 4096, {"rope_type": "dynamic", "factor": 2.0}),
         [None, 1000, 4096, 6144, 8192, 16384]),
        ("dynamic x4 partial 0.5",
         llama(64, 10000.0, 2048, {"rope_type": "dynamic", "factor": 4.0}, partial_rotary_factor=0.5),
         [None, 5000]),
        ("yarn x8 original 4096",
         llama(128, 10000.0, 32768, {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096}),
         [None]),
        ("yarn x8 no original (L = max_position_embeddings)",
         llama(128, 10000.0, 4096, {"rope_type": "yarn", "factor": 8.0}), [None]),
        ("yarn x16 truncate false beta 16/2",
         llama(64, 150000.0, 65536, {"rope_type": "yarn", "factor": 16.0, "original_max_position_embeddings": 4096,
                                     "truncate": False, "beta_fast": 16.0, "beta_slow": 2.0}), [None]),
        ("yarn x40 mscale 1.0 / mscale_all_dim 0.5",
         llama(64, 10000.0, 163840, {"rope_type": "yarn", "factor": 40.0, "original_max_position_embeddings": 4096,
                                     "mscale": 1.0, "mscale_all_dim": 0.5}), [None]),
        ("yarn x40 lone mscale 2.0 (ignored)",
         llama(64, 10000.0, 163840, {"rope_type": "yarn", "factor": 40.0, "original_max_position_embeddings": 4096,
                                     "mscale": 2.0}), [None]),
        ("yarn x8 explicit attention_factor 1.5",
         llama(128, 10000.0, 32768, {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096,
                                     "attention_factor": 1.5}), [None]),
        ("yarn partial 0.5",
         llama(128, 10000.0, 32768, {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096},
               partial_rotary_factor=0.5), [None]),
        ("llama3 (Llama 3.1)",
         llama(128, 500000.0, 131072, {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}), [None]),
        ("llama3 low 2 high 8 x4",
         llama(64, 10000.0, 32768, {"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 2.0,
                                    "high_freq_factor": 8.0, "original_max_position_embeddings": 2048}), [None]),
        ("longrope Phi-3 style (synthetic lists)", phi3, [None, 4096, 4097, 131072]),
        ("longrope explicit factor 8 and attention_factor 1.25 (synthetic lists)",
         llama(64, 10000.0, 16384, {"rope_type": "longrope", "factor": 8.0, "attention_factor": 1.25,
                                    "original_max_position_embeddings": 2048,
                                    "short_factor": short8, "long_factor": long8}), [None, 2049]),
    ]
    out = []
    for name, cfg, seq_lens in cases:
        for seq_len in seq_lens:
            inv, factor = hf_inv_freq(cfg, seq_len)
            out.append({"name": name, "hf_config": cfg, "layer_type": None, "seq_len": seq_len,
                        "inv_freq": inv, "attention_factor": factor})
    for preset in PRESETS.values():
        if preset.config.get("model_type") == "gptj":
            continue  # GPT-J has no ROPE_INIT function; checked through its sin/cos table below
        inv, factor = hf_inv_freq(preset.config, None, preset.layer_type)
        out.append({"name": f"preset {preset.name}", "hf_config": preset.config, "layer_type": preset.layer_type,
                    "seq_len": None, "inv_freq": inv, "attention_factor": factor})
    return out


def apply_cases() -> list[dict]:
    """apply_rotary_pos_emb end to end: cos/sin from the model's RotaryEmbedding (with its
    attention_scaling and dynamic_rope_update), then the model's own rotation function."""
    rng = np.random.default_rng(2024)
    positions = list(range(0, 24, 2)) + [37, 50]
    pos = torch.tensor([positions])
    out = []

    def record(name, cfg, x, y, layout_note):
        out.append({"name": name, "hf_config": cfg, "positions": positions, "x": x.tolist(),
                    "expected": y.tolist(), "note": layout_note})

    from transformers.models.gpt_neox import modeling_gpt_neox
    from transformers.models.llama import modeling_llama

    short4, long4 = longrope_lists(4)
    llama_cases = [
        ("half default d=8", llama(8, 10000.0, 64, None)),
        ("half yarn x4 d=16 (attention_factor != 1)",
         llama(16, 10000.0, 64, {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16})),
        ("half longrope d=8 past original (long factors, attention_factor)",
         llama(8, 10000.0, 128, {"rope_type": "longrope", "original_max_position_embeddings": 16,
                                 "short_factor": short4, "long_factor": long4})),
        ("half dynamic x2 d=8 past max (forward recomputes at max(pos)+1)",
         llama(8, 10000.0, 16, {"rope_type": "dynamic", "factor": 2.0})),
    ]
    for name, cfg in llama_cases:
        _, config = hf_config(cfg)
        rotary = modeling_llama.LlamaRotaryEmbedding(config)
        x = torch.tensor(rng.standard_normal((1, 1, len(positions), cfg["head_dim"])))
        cos, sin = rotary(x, pos)
        q, _ = modeling_llama.apply_rotary_pos_emb(x, x, cos, sin)
        record(name, cfg, x[0, 0], q[0, 0], "Llama rotate_half")

    cfg = {"model_type": "gpt_neox", "hidden_size": 64, "num_attention_heads": 4, "rotary_pct": 0.5,
           "rotary_emb_base": 10000, "max_position_embeddings": 64}
    _, config = hf_config(cfg)
    rotary = modeling_gpt_neox.GPTNeoXRotaryEmbedding(config)
    x = torch.tensor(rng.standard_normal((1, 1, len(positions), 16)))
    cos, sin = rotary(x, pos)
    q, _ = modeling_gpt_neox.apply_rotary_pos_emb(x, x, cos, sin)
    record("half partial gpt_neox rotary_pct=0.5 (pass-through)", cfg, x[0, 0], q[0, 0], "GPT-NeoX q_rot/q_pass")

    from transformers.models.gptj import modeling_gptj

    cfg = {"model_type": "gptj", "n_embd": 64, "n_head": 4, "rotary_dim": 8, "n_positions": 64}
    table = modeling_gptj.create_sinusoidal_positions(64, 8)
    sincos = table[pos[0]][None]  # (batch, seq, rotary_dim)
    sin, cos = torch.split(sincos, sincos.shape[-1] // 2, dim=-1)
    x = torch.tensor(rng.standard_normal((1, len(positions), 1, 16)))  # GPT-J: (batch, seq, heads, head_dim)
    rot = modeling_gptj.apply_rotary_pos_emb(x[..., :8], sin.double(), cos.double())
    y = torch.cat([rot, x[..., 8:]], dim=-1)
    record("interleaved gptj rotary_dim=8 (rotate_every_two)", cfg, x[0, :, 0], y[0, :, 0], "GPT-J rotate_every_two")

    from transformers.models.deepseek_v3 import modeling_deepseek_v3

    cfg = {"model_type": "deepseek_v3", "hidden_size": 64, "num_attention_heads": 4, "qk_rope_head_dim": 8,
           "qk_nope_head_dim": 8, "v_head_dim": 8, "max_position_embeddings": 64, "rope_theta": 10000.0}
    _, config = hf_config(cfg)
    rotary = modeling_deepseek_v3.DeepseekV3RotaryEmbedding(config)
    x = torch.tensor(rng.standard_normal((1, 1, len(positions), 8)))
    cos, sin = rotary(x, pos)
    q, _ = modeling_deepseek_v3.apply_rotary_pos_emb_interleave(x, x, cos, sin)
    record("interleaved deepseek_v3 (output de-interleaved: evens then odds)", cfg, x[0, 0], q[0, 0],
           "DeepSeek-V3 apply_rotary_pos_emb_interleave returns [rotated a_i | rotated b_i]")
    return out


def main() -> None:
    torch.manual_seed(0)
    data = {
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "note": "Computed by transformers in float32 (inv_freq, cos/sin); compare with rtol ~1e-6.",
        "frequencies": frequency_cases(),
        "apply": apply_cases(),
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(data['frequencies'])} frequency cases, {len(data['apply'])} apply cases)")


if __name__ == "__main__":
    main()
