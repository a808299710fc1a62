"""`aica`: one command, a subcommand per process (gateway, worker, sandbox portal, broker) plus the
all-in-one embedded mode and the demo."""
from __future__ import annotations

import asyncio
import logging
import os
import sys

import click

from streams.settings import Settings


def _settings() -> Settings:
    return Settings()


def _logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper()), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.group()
def main() -> None:
    """AICA: AI call analysis for Bitrix24."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


@main.command()
@click.option("--stages", default=lambda: os.environ.get("AICA_WORKER_STAGES", ""),
              help="comma-separated stages to run (default: all)")
@click.option("--loglevel", default="info")
def worker(stages: str, loglevel: str) -> None:
    """Run the Faust pipeline worker."""
    from aica.worker import ALL_STAGES, run_worker
    chosen = tuple(s.strip() for s in stages.split(",") if s.strip()) or ALL_STAGES
    sys.argv = [sys.argv[0], "worker"]  # faust.Worker parses argv; give it nothing of ours
    run_worker(_settings(), chosen, loglevel)


@main.command()
@click.option("--loglevel", default="info")
def gateway(loglevel: str) -> None:
    """Run the event gateway (aiohttp)."""
    _logging(loglevel)
    from gateway.app import run_gateway
    settings = _settings()
    from control.portals import KafkaPortals
    from streams.topics import ensure_topics
    ensure_topics(settings)
    run_gateway(settings, KafkaPortals(settings).start())


@main.group()
def broker() -> None:
    """Local single-node Kafka (KRaft) from Maven Central jars, no Docker."""


@broker.command("start")
def broker_start() -> None:
    from streams.localbroker import broker_from_settings
    settings = _settings()
    broker_from_settings(settings).start()
    click.echo(f"broker running on {settings.kafka_bootstrap}")


@broker.command("stop")
def broker_stop() -> None:
    from streams.localbroker import broker_from_settings
    broker_from_settings(_settings()).stop()


@main.command()
def topics() -> None:
    """Create the pipeline's topics (idempotent)."""
    from streams.topics import ensure_topics
    created = ensure_topics(_settings())
    click.echo(f"created: {', '.join(created) or 'none (all exist)'}")


@main.command()
@click.option("--port", default=8090)
@click.option("--event-handler-url", default=None)
def sandbox(port: int, event_handler_url: str | None) -> None:
    """Run the Bitrix24 sandbox portal."""
    from sandbox.__main__ import main as sandbox_main
    args = ["--port", str(port)] + (["--event-handler-url", event_handler_url] if event_handler_url else [])
    sandbox_main(args)


@main.command()
@click.option("--loglevel", default="info")
def run(loglevel: str) -> None:
    """Embedded mode: broker, sandbox portal, gateway and worker on this machine until Ctrl-C."""
    _logging(loglevel)
    from aica.embedded import run_forever
    asyncio.run(run_forever(_settings()))


@main.command()
@click.option("--calls", default=4, help="how many sample calls to play")
@click.option("--timeout", default=900.0, help="seconds to wait for every call's results")
@click.option("--loglevel", default="warning")
def demo(calls: int, timeout: float, loglevel: str) -> None:
    """Start the embedded stack, play sample calls, print what reached the CRM and ClickHouse."""
    _logging(loglevel)
    from aica.demo import run_demo
    ok = asyncio.run(run_demo(_settings(), calls, timeout))
    sys.exit(0 if ok else 1)


@main.group()
def llm() -> None:
    """On-premises LLM: llama.cpp's OpenAI-compatible server for the LLM analysis engine."""


@llm.command("serve")
@click.option("--model", "model", required=True, type=click.Path(exists=True, dir_okay=False),
              help="GGUF model file")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8090, show_default=True)
@click.option("--ctx", default=8192, show_default=True, help="context length in tokens")
@click.option("--threads", default=2, show_default=True)
def llm_serve(model: str, host: str, port: int, ctx: int, threads: int) -> None:
    """Serve MODEL at http://HOST:PORT/v1 until stopped; then run the workers with
    AICA_ANALYZER=llm AICA_LLM_BASE_URL=http://HOST:PORT/v1."""
    from pathlib import Path

    from aica.llm_server import serve, server_params
    params = server_params(Path(model), host, port, ctx, threads)
    serve(params, ready=lambda address: click.echo(f"serving {Path(model).name} at {address}/v1", err=True))


@main.group()
def dlq() -> None:
    """Dead letters: what failed and why; replay once fixed."""


@dlq.command("list")
@click.option("--stage", default=None)
@click.option("--portal", "member_id", default=None, help="member_id")
def dlq_list(stage: str | None, member_id: str | None) -> None:
    from streams.dlq import matching, read_dead_letters
    accept = matching(stage, member_id)
    for letter in filter(accept, read_dead_letters(_settings())):
        click.echo(f"{letter['failed_at']:%Y-%m-%d %H:%M:%S}  {letter['stage']:<10} "
                   f"{letter['call_id'] or '-':<45} {letter['reason']}")


@dlq.command("replay")
@click.option("--stage", default=None)
@click.option("--portal", "member_id", default=None, help="member_id")
@click.option("--reason", "reason_contains", default=None, help="only letters whose reason contains this")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def dlq_replay(stage: str | None, member_id: str | None, reason_contains: str | None, yes: bool) -> None:
    from streams.dlq import matching, read_dead_letters, replay
    settings = _settings()
    letters = list(filter(matching(stage, member_id, reason_contains), read_dead_letters(settings)))
    if not letters:
        click.echo("no matching dead letters")
        return
    if not yes:
        click.confirm(f"replay {len(letters)} dead letters to their source topics?", abort=True)
    click.echo(f"replayed {replay(settings, letters)}")


if __name__ == "__main__":
    main()
