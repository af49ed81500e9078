"""Loading a model's config.json by Hugging Face id, against a local HTTP server (HF_ENDPOINT), never the Hub."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from explorer import hub
from tests.apptest_utils import run_page

LLAMA31 = {
    "model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "rope_theta": 500000.0,
    "max_position_embeddings": 131072,
    "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
}
# path -> (status, X-Error-Code, body); what the Hub answers at {endpoint}/{repo_id}/resolve/main/config.json
ROUTES = {
    "/test-org/llama-like/resolve/main/config.json": (200, "", json.dumps(LLAMA31).encode()),
    "/test-org/gated-401/resolve/main/config.json": (401, "GatedRepo", b"gated"),
    "/test-org/gated-403/resolve/main/config.json": (403, "", b"forbidden"),
    "/test-org/no-config/resolve/main/config.json": (404, "EntryNotFound", b"entry not found"),
    "/test-org/broken/resolve/main/config.json": (200, "", b'{"head_dim": 128, "rope_theta": }'),
    "/test-org/huge-head/resolve/main/config.json": (200, "", json.dumps({"head_dim": 10**8}).encode()),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.paths.append(self.path)
        status, code, body = ROUTES.get(self.path, (404, "RepoNotFound", b"repository not found"))
        self.send_response(status)
        if code:
            self.send_header("X-Error-Code", code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hub_server(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def dead_endpoint() -> str:
    """A 127.0.0.1 port where nothing listens: connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def hub_down(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", dead_endpoint())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def load(page_id: str, repo_id: str, key: str):
    at = run_page(page_id, {"view": "plan"} if page_id == "context_extension" else None)
    if page_id == "models":  # its box is drawn only while its tab is open
        assert key not in [w.key for w in at.text_input]
        at.session_state["models_source"] = "Hugging Face id"
        at.run()
    at.text_input(key=key).input(repo_id)
    at.button(key=f"{key}_load").click()
    return at.run()


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


@pytest.mark.parametrize("text, expected", [
    ("meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B"),
    ("  https://huggingface.co/Qwen/Qwen2.5-7B/  ", "Qwen/Qwen2.5-7B"),
    ("hf.co/a/b", "a/b"),
])
def test_model_ids_are_accepted(text, expected):
    assert hub.check_model_id(text) == (expected, None)


@pytest.mark.parametrize("text", [
    "", "llama", "a/b/c", "../etc/passwd", "a/..", "a/b?x=1", "a/b#x", "a/-b", "a/b-", "a--x/b", "a/b..c",
    "http://evil.example/a/b", "a/b\x00", "a b/c", "%2e%2e/x", "a/" + "x" * 97, "é/x",
])
def test_malformed_model_ids_are_refused_before_any_request(text):
    repo_id, problem = hub.check_model_id(text)
    assert repo_id is None and ("owner/name" in problem or "at most 96" in problem)


def test_a_model_id_loads_its_config_into_the_sidebar(hub_server):
    from rope_core import RopeConfig

    at = load("models", "test-org/llama-like", "models_hf")
    assert not at.exception and not at.error
    assert hub_server.paths == ["/test-org/llama-like/resolve/main/config.json"]
    pasted = at.session_state["_rope_pasted"]
    assert pasted["name"] == "test-org/llama-like"
    assert pasted["config"] == RopeConfig(head_dim=128, rope_theta=500000.0, rope_type="llama3", factor=8.0,
                                          max_position_embeddings=131072, original_max_position_embeddings=8192,
                                          low_freq_factor=1.0, high_freq_factor=4.0)
    values = at.session_state["_rope_values"]
    assert values["preset"] == "pasted" and values["rope_theta"] == 500000.0 and values["factor"] == 8.0
    assert "Loaded test-org/llama-like" in texts(at.success)
    # the link carries the config itself, so it opens without network
    assert pasted["token"] and at.query_params.get("config") == pasted["token"]


def test_a_loaded_models_link_opens_on_a_cold_server_without_network(hub_server, monkeypatch):
    token = load("models", "test-org/llama-like", "models_hf").session_state["_rope_pasted"]["token"]
    monkeypatch.setenv("HF_ENDPOINT", dead_endpoint())
    at = run_page("frequencies", {"preset": "pasted", "config": token})  # a new session, the Hub unreachable
    assert not at.exception and not at.error
    assert at.session_state["_rope_pasted"]["config"].rope_theta == 500000.0
    assert at.session_state["_rope_values"]["factor"] == 8.0


def test_the_planner_loads_a_model_id_too(hub_server):
    at = load("context_extension", "test-org/llama-like", "plan_hf")
    assert not at.exception and not at.error
    assert at.session_state["_rope_pasted"]["config"].rope_theta == 500000.0
    assert "Pitfalls in your pasted config.json" in texts(at.markdown)


@pytest.mark.parametrize("repo_id, words", [
    ("test-org/missing", "No model test-org/missing"),
    ("test-org/gated-401", "gated"),
    ("test-org/gated-403", "gated"),
    ("test-org/no-config", "has no config.json"),
    ("test-org/broken", "Not valid JSON: Expecting value at line 1, column 33"),
    ("test-org/huge-head", "`head_dim` = 100,000,000: must be an integer from 2 to 512"),
])
def test_hub_failures_are_named_and_nothing_is_loaded(hub_server, repo_id, words):
    at = load("models", repo_id, "models_hf")
    assert not at.exception
    assert words in texts(at.error), texts(at.error)
    if "gated" in words:
        assert "Paste its config.json instead" in texts(at.error)
    assert "_rope_pasted" not in at.session_state
    assert at.session_state["_rope_values"]["preset"] != "pasted"


def test_a_server_without_network_says_so(hub_down):
    at = load("models", "test-org/llama-like", "models_hf")
    assert not at.exception and not at.error
    assert "cannot be reached" in texts(at.warning)
    assert "_rope_pasted" not in at.session_state


def test_offline_mode_sends_no_request(hub_server, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    text, err = hub.fetch_config_text("test-org/llama-like")
    assert text is None and err.kind == "offline" and "HF_HUB_OFFLINE" in err.message
    assert hub_server.paths == []


def test_a_malformed_id_reaches_no_server(hub_server):
    at = load("models", "../../etc/passwd", "models_hf")
    assert "owner/name" in texts(at.error)
    assert hub_server.paths == []


def test_the_models_page_sends_its_box_only_while_its_tab_is_open_and_keeps_what_was_typed():
    at = run_page("models")
    assert "models_hf" not in [w.key for w in at.text_input] and "models_hf_load" not in [b.key for b in at.button]
    at.session_state["models_source"] = "Hugging Face id"
    at.run()
    at.text_input(key="models_hf").input("test-org/llama-like").run()
    at.session_state["models_source"] = "Paste"
    at.run()
    at.run()  # a second rerun with the box unsent: Streamlit drops unsent widgets' values after one
    assert "models_hf" not in [w.key for w in at.text_input]
    assert at.text_area(key="models_json") is not None  # the Paste tab is drawn as before
    at.session_state["models_source"] = "Hugging Face id"
    at.run()
    assert at.text_input(key="models_hf").value == "test-org/llama-like"
