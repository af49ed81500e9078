"""Write hf_reference.json: what Hugging Face transformers itself computes for RoPE.

Run it with a separate environment that has torch and transformers (never the app's):
    python -m venv /tmp/hfvenv
    /tmp/hfvenv/bin/pip install torch==2.13.0 transformers numpy ml_dtypes
    /tmp/hfvenv/bin/python tests/hf_reference/make_hf_reference.py

It calls transformers' real code: ROPE_INIT_FUNCTIONS (or the model's
compute_default_rope_parameters for rope_type "default"), the models' RotaryEmbedding modules,
rotate_half / apply_rotary_pos_emb (Llama, GPT-NeoX), GPT-J's rotate_every_two and DeepSeek-V3's
apply_rotary_pos_emb_interleave; for the current models (issue 17) each model's own rotary embedding
and apply function: Gemma 4 and LFM3 (proportional, per layer type), Llama 4 (llama3 with
low == high, complex multiply), Qwen2-VL / Qwen3-VL / Qwen3.5 (M-RoPE with (3, L) positions),
Pixtral and the Qwen2-VL vision tower (2-D), and Qwen2.5-VL's get_rope_index.
tests/test_hf_reference.py checks rope_core against the file with plain numpy. transformers
computes in float32, so the file carries float32-rounded values.

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
    "gemma4_text": ("gemma4", "Gemma4TextRotaryEmbedding"),
    "lfm3": ("lfm3", "Lfm3RotaryEmbedding"),
    "llama4_text": ("llama4", "Llama4TextRotaryEmbedding"),
    "qwen2_5_vl_text": ("qwen2_5_vl", "Qwen2_5_VLRotaryEmbedding"),
    "qwen3_vl_text": ("qwen3_vl", "Qwen3VLTextRotaryEmbedding"),
    "qwen3_5_text": ("qwen3_5", "Qwen3_5TextRotaryEmbedding"),
}
LAYER_TYPES = {"global": "full_attention", "local": "sliding_attention", None: None}


def rotary_class(model_type: str):
    module, name = ROTARY_CLASSES[model_type]
    return getattr(importlib.import_module(f"transformers.models.{module}.modeling_{module}"), name)


def hf_config(cfg: dict):
    """The text model's config object, built by transformers' own config classes."""
    cfg = dict(cfg)
    if "text_config" in cfg:  # multimodal: the language model's config
        cfg = dict(cfg["text_config"])
    cfg.pop("vision_config", None)
    if "attn_temperature_tuning" in cfg:  # published Scout file says 4; the strict 5.25 config class wants a bool
        cfg["attn_temperature_tuning"] = bool(cfg["attn_temperature_tuning"])
    model_type = cfg.pop("model_type")
    config = AutoConfig.for_model(model_type, **cfg)
    text = config.get_text_config()
    return text.model_type, text


def hf_inv_freq(cfg: dict, seq_len=None, layer_type=None):
    model_type, config = hf_config(cfg)
    hf_layer = LAYER_TYPES[layer_type]
    if hf_layer is None and "full_attention" in config.rope_parameters:
        hf_layer = "full_attention"  # per-layer-type config: the model's main (full-attention) RoPE
    params = config.rope_parameters[hf_layer] if hf_layer else config.rope_parameters
    kwargs = {"layer_type": hf_layer} if hf_layer else {}
    if params["rope_type"] == "default":
        fn = rotary_class(model_type).compute_default_rope_parameters
    else:
        fn = ROPE_INIT_FUNCTIONS[params["rope_type"]]
    if hf_layer and hasattr(config, "per_layer_config"):
        # Gemma 4: full-attention layers carry their own head_dim (global_head_dim)
        config = config.per_layer_config[hf_layer]
    inv, factor = fn(config, device=None, seq_len=seq_len, **kwargs)
    return inv.double().tolist(), float(factor)


def longrope_lists(n: int) -> tuple[list[float], list[float]]:
    return [1.0 + 0.05 * i for i in range(n)], [1.0 + 0.5 * i for i in range(n)]


def llama(head_dim: int, theta: float, max_pos: int, scaling: dict | None, **extra) -> dict:
    return {"model_type": "llama", "hidden_size": head_dim * 4, "num_attention_heads": 4, "head_dim": head_dim,
            "max_position_embeddings": max_pos, "rope_theta": theta, "rope_scaling": scaling, **extra}


GEMMA4_SMALL = {"model_type": "gemma4_text", "head_dim": 16, "global_head_dim": 32, "num_hidden_layers": 6,
                "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2,
                "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                    "full_attention": {"rope_type": "proportional", "partial_rotary_factor": 0.25,
                                                       "rope_theta": 1000000.0}}}
LFM3_SMALL = {"model_type": "lfm3", "head_dim": 16, "hidden_size": 64, "num_attention_heads": 4,
              "num_key_value_heads": 2, "num_hidden_layers": 4,
              "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                  "full_attention": {"rope_type": "proportional", "rope_theta": 1000000.0,
                                                     "partial_rotary_factor": 0.5, "factor": 4.0}}}
# The config classes' defaults, spelled out as a config.json would carry them.
GEMMA4_DEFAULTS = {"model_type": "gemma4_text", "head_dim": 256, "global_head_dim": 512,
                   "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                       "full_attention": {"rope_type": "proportional", "partial_rotary_factor": 0.25,
                                                          "rope_theta": 1000000.0}}}
LFM3_DEFAULTS = {"model_type": "lfm3", "head_dim": 128,
                 "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                     "full_attention": {"rope_type": "proportional", "rope_theta": 1000000.0,
                                                        "partial_rotary_factor": 0.5}}}
PER_LAYER_FREQUENCY_CASES = [
    ("proportional Gemma4TextConfig() defaults full_attention (hd 512, p 0.25)", GEMMA4_DEFAULTS, "global", [None]),
    ("default Gemma4TextConfig() defaults sliding_attention (hd 256)", GEMMA4_DEFAULTS, "local", [None]),
    ("proportional Lfm3Config() defaults full_attention (hd 128, p 0.5)", LFM3_DEFAULTS, "global", [None]),
    ("proportional odd fraction hd 100 p 0.3 factor 8",
     {**GEMMA4_SMALL, "head_dim": 100, "global_head_dim": 100,
      "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                          "full_attention": {"rope_type": "proportional", "partial_rotary_factor": 0.3,
                                             "rope_theta": 10000.0, "factor": 8.0}}}, "global", [None]),
    ("llama3 low == high (Llama 4 Scout)",
     {"model_type": "llama", "hidden_size": 512, "num_attention_heads": 4, "head_dim": 128,
      "max_position_embeddings": 10485760, "rope_theta": 500000.0,
      "rope_scaling": {"rope_type": "llama3", "factor": 16.0, "low_freq_factor": 1.0, "high_freq_factor": 1.0,
                       "original_max_position_embeddings": 8192}}, None, [None]),
    ("default partial Qwen3.5 (hd 256, p 0.25, theta 1e7)",
     {"model_type": "qwen3_5_text", "head_dim": 256, "rope_parameters": {
         "rope_type": "default", "rope_theta": 10000000, "partial_rotary_factor": 0.25,
         "mrope_section": [11, 11, 10], "mrope_interleaved": True}}, None, [None]),
]


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
    for name, cfg, layer, seq_lens in PER_LAYER_FREQUENCY_CASES:
        for seq_len in seq_lens:
            inv, factor = hf_inv_freq(cfg, seq_len, layer)
            out.append({"name": name, "hf_config": cfg, "layer_type": layer, "seq_len": seq_len,
                        "inv_freq": inv, "attention_factor": factor})
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
    return out + current_apply_cases(rng)


def _module(name: str):
    return importlib.import_module(f"transformers.models.{name}.modeling_{name}")


def current_apply_cases(rng) -> list[dict]:
    """Each current model's own rotary embedding and apply function, on random vectors (float64 in, so the
    only float32 step is transformers' angle computation)."""
    out = []
    positions = list(range(0, 24, 2)) + [37, 50]  # float32 angles: error grows with the position
    pos = torch.tensor([positions])

    def record(name, cfg, pos_list, x, y, layer_type=None, tower="text", note=""):
        out.append({"name": name, "hf_config": cfg, "layer_type": layer_type, "tower": tower,
                    "positions": pos_list, "x": x.tolist(), "expected": y.tolist(), "note": note})

    # Gemma 4: proportional on full-attention layers (global_head_dim), default on sliding ones
    gemma4 = _module("gemma4")
    _, config = hf_config(GEMMA4_SMALL)
    rotary = gemma4.Gemma4TextRotaryEmbedding(config)
    for layer, hd in (("full_attention", 32), ("sliding_attention", 16)):
        x = torch.tensor(rng.standard_normal((1, 1, len(positions), hd)))
        cos, sin = rotary(x, pos, layer)
        y = gemma4.apply_rotary_pos_emb(x, cos.double(), sin.double(), unsqueeze_dim=1)
        record(f"gemma4 {layer} (hd {hd})", GEMMA4_SMALL, positions, x[0, 0], y[0, 0],
               "global" if layer == "full_attention" else "local", note="Gemma4TextRotaryEmbedding + apply_rotary_pos_emb")

    lfm3 = _module("lfm3")
    _, config = hf_config(LFM3_SMALL)
    rotary = lfm3.Lfm3RotaryEmbedding(config)
    x = torch.tensor(rng.standard_normal((1, 1, len(positions), 16)))
    cos, sin = rotary(x, pos, "full_attention")
    y, _ = lfm3.apply_rotary_pos_emb(x, x, cos.double(), sin.double())
    record("lfm3 full_attention proportional p 0.5 factor 4", LFM3_SMALL, positions, x[0, 0], y[0, 0], "global",
           note="Lfm3RotaryEmbedding + apply_rotary_pos_emb")

    # Llama 4: llama3 with low == high, adjacent pairs as complex numbers
    llama4 = _module("llama4")
    cfg = {"model_type": "llama4_text", "hidden_size": 64, "num_attention_heads": 4, "head_dim": 16,
           "num_hidden_layers": 4, "max_position_embeddings": 131072, "rope_theta": 500000.0,
           "rope_scaling": {"rope_type": "llama3", "factor": 16.0, "low_freq_factor": 1.0, "high_freq_factor": 1.0,
                            "original_max_position_embeddings": 8192}}
    _, config = hf_config(cfg)
    rotary = llama4.Llama4TextRotaryEmbedding(config)
    x = torch.tensor(rng.standard_normal((1, len(positions), 1, 16)))  # (batch, seq, heads, head_dim)
    freqs_cis = rotary(x, pos)
    y, _ = llama4.apply_rotary_emb(x, x, freqs_cis)
    record("llama4 llama3 low == high (complex multiply, adjacent pairs)", cfg, positions, x[0, :, 0], y[0, :, 0],
           note="Llama4TextRotaryEmbedding + apply_rotary_emb")

    # M-RoPE: (3, L) position ids, t h w differing
    mpos = np.stack([np.array(positions), np.array(positions) // 2 + 3, (np.array(positions) * 7) % 11], axis=0)
    mrope_cases = [
        ("qwen2_5_vl", "Qwen2_5_VLRotaryEmbedding", "apply_rotary_pos_emb",
         {"model_type": "qwen2_5_vl", "text_config": {
             "model_type": "qwen2_5_vl_text", "hidden_size": 64, "num_attention_heads": 4, "head_dim": 16,
             "rope_theta": 1000000.0, "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]}}}, 16),
        ("qwen3_vl", "Qwen3VLTextRotaryEmbedding", "apply_rotary_pos_emb",
         {"model_type": "qwen3_vl", "text_config": {
             "model_type": "qwen3_vl_text", "hidden_size": 96, "num_attention_heads": 4, "head_dim": 24,
             "rope_theta": 5000000.0, "rope_scaling": {"rope_type": "default", "mrope_section": [4, 4, 4],
                                                        "mrope_interleaved": True}}}, 24),
        ("qwen3_5", "Qwen3_5TextRotaryEmbedding", "apply_rotary_pos_emb",
         {"model_type": "qwen3_5", "text_config": {
             "model_type": "qwen3_5_text", "hidden_size": 64, "num_attention_heads": 2, "head_dim": 32,
             "rope_parameters": {"rope_type": "default", "rope_theta": 10000000.0, "partial_rotary_factor": 0.5,
                                 "mrope_section": [3, 3, 2], "mrope_interleaved": True}}}, 32),
        ("qwen3_5", "Qwen3_5TextRotaryEmbedding", "apply_rotary_pos_emb",
         {"model_type": "qwen3_5", "text_config": {
             "model_type": "qwen3_5_text", "hidden_size": 64, "num_attention_heads": 2, "head_dim": 32,
             "max_position_embeddings": 64,
             "rope_parameters": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16,
                                 "rope_theta": 10000000.0, "partial_rotary_factor": 0.5,
                                 "mrope_section": [3, 3, 2], "mrope_interleaved": True}}}, 32),
    ]
    for module_name, rotary_name, apply_name, cfg, hd in mrope_cases:
        module = _module(module_name)
        _, config = hf_config(cfg)
        rotary = getattr(module, rotary_name)(config)
        x = torch.tensor(rng.standard_normal((1, 1, len(positions), hd)))
        cos, sin = rotary(x, torch.tensor(mpos)[:, None, :])
        y, _ = getattr(module, apply_name)(x, x, cos.double(), sin.double())
        record(f"{module_name} M-RoPE {rotary_name} section {config.rope_parameters['mrope_section']} "
               f"{config.rope_parameters['rope_type']}", cfg, mpos.T.tolist(), x[0, 0], y[0, 0],
               note=f"{rotary_name} with (3, L) position ids + {apply_name}")
        # text tokens: 1-D positions broadcast to t = h = w
        cos, sin = rotary(x, pos)
        y, _ = getattr(module, apply_name)(x, x, cos.double(), sin.double())
        record(f"{module_name} M-RoPE text positions {config.rope_parameters['rope_type']}", cfg, positions,
               x[0, 0], y[0, 0], note="1-D position ids, expanded to 3 axes by the model")

    # 2-D vision RoPE on a patch grid
    grid = np.stack(np.meshgrid(np.arange(5), np.arange(7), indexing="ij"), axis=-1).reshape(-1, 2)
    pixtral = _module("pixtral")
    cfg = {"model_type": "pixtral", "hidden_size": 128, "num_attention_heads": 4, "head_dim": 32,
           "rope_theta": 10000.0}
    config = AutoConfig.for_model("pixtral", **{k: v for k, v in cfg.items() if k != "model_type"})
    rotary = pixtral.PixtralVisionRotaryEmbedding(config)
    x = torch.tensor(rng.standard_normal((1, 1, len(grid), 32)))
    cos, sin = rotary(x, torch.tensor(grid))
    y, _ = pixtral.apply_rotary_pos_emb(x, x, cos.double(), sin.double(), unsqueeze_dim=0)
    record("pixtral 2-D (rows even, columns odd frequencies)", cfg, grid.tolist(), x[0, 0], y[0, 0],
           tower="vision", note="PixtralVisionRotaryEmbedding + apply_rotary_pos_emb")

    qwen2_vl = _module("qwen2_vl")
    cfg = {"model_type": "qwen2_vl", "vision_config": {"embed_dim": 160, "num_heads": 4}}
    config = AutoConfig.for_model("qwen2_vl", vision_config=cfg["vision_config"]).vision_config
    rotary = qwen2_vl.Qwen2VLVisionRotaryEmbedding(config)
    x = torch.tensor(rng.standard_normal((len(grid), 1, 40)))  # (tokens, heads, head_dim)
    cos, sin = rotary(x, torch.tensor(grid))
    y, _ = qwen2_vl.apply_rotary_pos_emb_vision(x, x, cos.double(), sin.double())
    record("qwen2_vl vision tower 2-D (shared frequencies)", cfg, grid.tolist(), x[:, 0], y[:, 0], tower="vision",
           note="Qwen2VLVisionRotaryEmbedding + apply_rotary_pos_emb_vision")
    return out


def position_id_cases() -> list[dict]:
    """Qwen2-VL and Qwen2.5-VL get_rope_index on text / image / video sequences."""
    from types import SimpleNamespace

    out = []
    sequences = [
        [("text", 3), ("image", 1, 4, 6), ("text", 2)],
        [("text", 5), ("video", 3, 4, 4, 1.0), ("text", 1)],
        [("text", 2), ("video", 4, 6, 4, 0.5), ("text", 2), ("image", 2, 8, 4), ("text", 3), ("video", 2, 2, 2, 1.5)],
    ]
    for module_name, model_name, tps in (("qwen2_vl", "Qwen2VLModel", None), ("qwen2_5_vl", "Qwen2_5_VLModel", 2)):
        model_cls = getattr(_module(module_name), model_name)
        for segments in sequences:
            kinds, images, videos, seconds = [], [], [], []
            for seg in segments:
                if seg[0] == "text":
                    kinds += [0] * seg[1]
                    continue
                t, h, w = seg[1:4]
                kinds += [1 if seg[0] == "image" else 2] * (t * (h // 2) * (w // 2))
                (images if seg[0] == "image" else videos).append([t, h, w])
                if seg[0] == "video":
                    seconds.append(seg[4])
            vision = SimpleNamespace(spatial_merge_size=2, tokens_per_second=tps)
            fake = SimpleNamespace(config=SimpleNamespace(vision_config=vision))
            fake.get_vision_position_ids = lambda *a, **k: model_cls.get_vision_position_ids(fake, *a, **k)
            ids = torch.zeros((1, len(kinds)), dtype=torch.long)
            kwargs = {"second_per_grid_ts": torch.tensor(seconds)} if tps is not None and seconds else {}
            position_ids, delta = model_cls.get_rope_index(
                fake, ids, torch.tensor([kinds]), image_grid_thw=torch.tensor(images) if images else None,
                video_grid_thw=torch.tensor(videos) if videos else None, **kwargs)
            out.append({"name": f"{model_name} {segments}", "segments": [list(s) for s in segments],
                        "spatial_merge_size": 2, "tokens_per_second": tps,
                        "positions": position_ids[:, 0].T.tolist(), "rope_delta": int(delta[0, 0])})
    return out


def main() -> None:
    torch.manual_seed(0)
    data = {
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "note": "Computed by transformers in float32 (inv_freq, cos/sin); compare with rtol ~1e-6.",
        "frequencies": frequency_cases(),
        "apply": apply_cases(),
        "position_ids": position_id_cases(),
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(data['frequencies'])} frequency cases, {len(data['apply'])} apply cases, "
          f"{len(data['position_ids'])} position id cases)")


if __name__ == "__main__":
    main()
