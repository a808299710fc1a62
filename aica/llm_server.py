"""`aica llm serve`: llama.cpp's OpenAI-compatible server (the prebuilt `xllamacpp` wheel) on a GGUF
file the operator supplies, so the LLM engine runs without any transcript leaving their network:
AICA_ANALYZER=llm AICA_LLM_BASE_URL=http://127.0.0.1:PORT/v1.
"""
from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8090
DEFAULT_CTX = 8192  # a 10-minute call is ~2.5k tokens of transcript + ~1k of prompt + the reply


def server_params(model: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, ctx: int = DEFAULT_CTX,
                  threads: int = 2) -> Any:
    import xllamacpp

    if not model.is_file():
        raise FileNotFoundError(f"no GGUF model file at {model}")
    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.model_alias = {model.stem}  # /v1/models names it by file name, not full path
    params.hostnames = [host]
    params.port = port
    params.n_ctx = ctx
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    return params


def serve(params: Any, ready=lambda address: None) -> None:
    """Serve until SIGINT/SIGTERM. xllamacpp.Server runs its HTTP loop on its own threads."""
    import xllamacpp

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server = xllamacpp.Server(params)
    ready(server.listening_address)
    stop.wait()
    del server  # its destructor stops the loop and frees the model
