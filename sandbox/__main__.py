"""`python -m sandbox --port 8090 --event-handler-url http://127.0.0.1:8080/b24/events`"""
from __future__ import annotations

import argparse
import logging

from aiohttp import web

from sandbox.portal import create_sandbox_app
from sandbox.state import SandboxState


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--event-handler-url", default="")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    state = SandboxState(base_url=f"http://{args.host}:{args.port}",
                         event_handler_url=args.event_handler_url)
    # Identity only: tokens are fetched from GET /_sandbox/installation, never printed.
    print(f"sandbox portal member_id={state.member_id} client_endpoint={state.client_endpoint} "
          f"installation: {state.base_url}/_sandbox/installation", flush=True)
    # No access log: file URLs and OAuth GETs carry tokens in the query string.
    web.run_app(create_sandbox_app(state), host=args.host, port=args.port, print=None,
                access_log=None)


if __name__ == "__main__":
    main()
