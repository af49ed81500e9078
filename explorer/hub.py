"""A model's config.json fetched from the Hugging Face Hub by model id, and the box that loads it.

Only `config.json` is fetched (never weights), anonymously: a server's own token must not open gated models to
every visitor. The text then goes through the same strict reader and limits as a pasted config
(`explorer.frames.models.parse_config_json`) and becomes the sidebar's preset "pasted". A shared link carries
the config itself (`config=` token), not the id, so it opens without network and shows what was loaded then.

    check_model_id(text)      -> (repo_id | None, message | None)
    fetch_config_text(repo_id) -> (text | None, FetchError | None)   never raises
    model_id_box(key)          the text box and button, on the Models page and the planner
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import streamlit as st

from explorer import configjson

TIMEOUT_S = 5.0  # a config.json is a few kB: a slow answer means the Hub cannot be reached from here
ID_MAX = 96      # the Hub's limit for each of owner and name
_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_REPO_ID = re.compile(rf"({_PART})/({_PART})")
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/", re.I)
DEFAULT_ENDPOINT = "https://huggingface.co"


def check_model_id(text: str) -> tuple[str | None, str | None]:
    """A model id as `owner/name` (a huggingface.co URL of the model is accepted too), or (None, why not)."""
    if not isinstance(text, str):
        return None, "The model id must be text, like `meta-llama/Llama-3.1-8B`."
    text = _URL_PREFIX.sub("", text.strip()[:400]).strip("/")
    m = _REPO_ID.fullmatch(text)
    if m is None or "--" in text or ".." in text:
        return None, ("A model id is `owner/name` (e.g. `meta-llama/Llama-3.1-8B`): letters, digits, `-`, `_` and `.`, "
                      "each part starting and ending with a letter or digit, no `--` or `..`.")
    if max(len(m.group(1)), len(m.group(2))) > ID_MAX:
        return None, f"The owner and the name of a model id are each at most {ID_MAX} characters."
    return text, None


@dataclass(frozen=True)
class FetchError:
    kind: str  # "offline" | "not_found" | "gated" | "no_config" | "too_big" | "http"
    message: str


def _endpoint() -> str:
    # read at each call (huggingface_hub reads HF_ENDPOINT once, at import)
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def fetch_config_text(repo_id: str) -> tuple[str | None, FetchError | None]:
    """The text of `config.json` at the model's main revision, or (None, what went wrong). Never raises.

    repo_id must have passed check_model_id. Reads at most configjson.MAX_TEXT_CHARS + 1 bytes.
    """
    offline = FetchError("offline", "The Hugging Face Hub cannot be reached from this server "
                                    "(no network, or offline mode). Paste the model's config.json instead.")
    if _offline():
        return None, FetchError("offline", "This server runs offline (HF_HUB_OFFLINE is set), so models cannot be "
                                           "loaded by id. Paste the model's config.json instead.")
    try:
        from huggingface_hub import get_session, hf_hub_url
    except ImportError:
        return None, FetchError("offline", "huggingface_hub is not installed on this server. "
                                           "Paste the model's config.json instead.")
    url = hf_hub_url(repo_id, "config.json", endpoint=_endpoint())
    try:
        with get_session().stream("GET", url, timeout=TIMEOUT_S, follow_redirects=True) as resp:
            status, code = resp.status_code, resp.headers.get("X-Error-Code", "")
            if status == 200:
                body = b""
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > configjson.MAX_TEXT_CHARS:
                        return None, FetchError("too_big", f"{repo_id}'s config.json is larger than "
                                                           f"{configjson.MAX_TEXT_CHARS:,} bytes; a config.json is "
                                                           "a few kB.")
    except Exception as err:  # noqa: BLE001 - the HTTP client's errors (httpx, by version): all mean "not reached"
        if "Timeout" in type(err).__name__:
            return None, FetchError("offline", f"The Hugging Face Hub did not answer within {TIMEOUT_S:g} s. "
                                               "Try again, or paste the model's config.json instead.")
        return None, offline
    if status == 200:
        try:
            return body.decode("utf-8-sig"), None
        except UnicodeDecodeError as err:
            return None, FetchError("http", f"{repo_id}'s config.json is not UTF-8 text (bad byte at offset "
                                            f"{err.start}).")
    if code == "GatedRepo" or (status in (401, 403) and code != "RepoNotFound"):
        return None, FetchError("gated", f"{repo_id} is gated or private: the Hub serves its files only to "
                                         "accounts that accepted its licence. Paste its config.json instead "
                                         "(copy it from the model's page after accepting).")
    if code == "EntryNotFound":
        return None, FetchError("no_config", f"{repo_id} has no config.json on its main branch "
                                             "(it may be a dataset, a GGUF-only or an adapter repository).")
    if status == 404 or code in ("RepoNotFound", "RevisionNotFound"):
        return None, FetchError("not_found", f"No model {repo_id} on the Hugging Face Hub (or it is private). "
                                             "Check the spelling: owner/name, as in the model page's URL.")
    return None, FetchError("http", f"The Hugging Face Hub answered HTTP {status} for {repo_id}'s config.json. "
                                    "Try again later, or paste the config.json instead.")


LOADED = "_hub_loaded"  # {box key: repo id} of the last load, to say so after the rerun


def model_id_box(key: str) -> None:
    """A model-id box and a Load button; a loaded config becomes the sidebar's model (then st.rerun())."""
    from explorer import sidebar  # the sidebar imports the frames this module is used beside
    from explorer.frames import models

    # one horizontal block, not st.columns' three: every block is sent and laid out on each rerun
    row = st.container(horizontal=True, vertical_alignment="bottom")
    # persist_state: what was typed waits while the box is not drawn (the Models page draws it only in its open tab)
    text = row.text_input("Hugging Face model id", key=key, max_chars=300, placeholder="meta-llama/Llama-3.1-8B",
                           persist_state="page",
                           help="Only the model's config.json is fetched (public models; for a gated one, paste "
                                "its config.json). The link then carries the config, not the id.")
    clicked = row.button("Load", key=f"{key}_load", icon=":material/download:")
    loaded = st.session_state.get(LOADED, {}).pop(key, None)
    if loaded:
        st.success(f"Loaded {loaded}'s config.json: it is the sidebar's model (preset “pasted”).",
                   icon=":material/check_circle:")
    if not clicked:
        return
    repo_id, problem = check_model_id(text or "")
    if problem:
        st.error(problem, icon=":material/error:")
        return
    with st.spinner(f"Fetching {repo_id}/config.json…"):
        data, err = fetch_config_text(repo_id)
    if err is not None:
        (st.warning if err.kind == "offline" else st.error)(err.message, icon=":material/error:")
        return
    try:
        parsed = models.parse_config_json(data)
    except models.ConfigError as cerr:
        st.error(f"{repo_id}'s config.json cannot be used:", icon=":material/error:")
        for message in cerr.messages:
            st.error(message, icon=":material/error:")
        return
    if sidebar.use_pasted_config(repo_id, parsed.config, parsed.raw):
        st.session_state.setdefault(LOADED, {})[key] = repo_id
        st.rerun()
