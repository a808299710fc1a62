"""`aica`: one command, a subcommand per process (gateway, worker, sandbox portal, broker) plus the
all-in-one embedded mode, the demo and operations (status, doctor, dlq, llm). Portal commands are in
aica/cli_portals.py; analyze, scorecard check and rescore in aica/cli_scoring.py."""
from __future__ import annotations

import asyncio
import os
import sys

import click

from aica.cli_support import cli_logging as _logging, cli_settings as _settings


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
@click.option("--dashboard/--no-dashboard", "with_dashboard", default=None,
              help="serve the dashboard (/app/*) here too; default: when ClickHouse is a server")
def gateway(loglevel: str, with_dashboard: bool | None) -> None:
    """Run the public origin: the event gateway (/b24/*) and, with a ClickHouse server, the dashboard (/app/*)."""
    _logging(loglevel)
    from aica.origin import run_public
    from streams.topics import ensure_topics
    settings = _settings()
    ensure_topics(settings)
    run_public(settings, with_dashboard=with_dashboard)


@main.group()
def broker() -> None:
    """Local single-node Kafka (KRaft) from Maven Central jars, no Docker."""


@broker.command("start")
def broker_start() -> None:
    from aica.progress import spinner
    from streams.localbroker import broker_from_settings
    settings = _settings()
    with spinner("starting the broker"):
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
    from aica.run import run_forever
    asyncio.run(run_forever(_settings()))


@main.command()
@click.option("--calls", default=4, help="how many sample calls to play")
@click.option("--timeout", default=900.0, help="seconds to wait for every call's results")
@click.option("--loglevel", default="warning")
def demo(calls: int, timeout: float, loglevel: str) -> None:
    """Start the embedded stack, play sample calls, print what reached the CRM and ClickHouse."""
    _logging(loglevel)
    import signal

    from aica.demo import run_demo
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops the stack like Ctrl-C
    ok = asyncio.run(run_demo(_settings(), calls, timeout))
    sys.exit(0 if ok else 1)


@main.command()
@click.option("--errors", "n_errors", default=5, help="how many of the last dead letters to show")
def status(n_errors: int) -> None:
    """Broker, topics, consumer lag per group and topic, portals and their state, last errors."""
    from aica.status import collect, render
    state = collect(_settings(), n_errors)
    for line in render(state):
        click.echo(line)
    sys.exit(0 if state.reachable else 1)


@main.command()
@click.option("--skip-models", is_flag=True, help="do not check the model packages")
def doctor(skip_models: bool) -> None:
    """Check this deployment's configuration and connectivity, one line per check."""
    from pydantic import ValidationError

    from aica.doctor import FAIL, run_checks
    try:
        settings = _settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "AICA_" + "_".join(map(str, error["loc"])).upper()
            click.echo(f"[FAIL] settings                   {name}: {error['msg']}")
        sys.exit(1)
    failed = 0
    for check in run_checks(settings, with_models=not skip_models):
        click.echo(check.line())
        failed += check.outcome == FAIL
    click.echo(f"{failed} check(s) failed" if failed else "all checks passed")
    sys.exit(1 if failed else 0)


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
    from aica.progress import bar
    with bar(len(letters), "replaying", unit="letter") as progress:
        replayed = replay(settings, letters, on_replayed=progress.update)
    click.echo(f"replayed {replayed}")


from aica.cli_portals import portal  # noqa: E402 - subcommand groups live in their own modules
from aica.cli_scoring import analyze, rescore, scorecard  # noqa: E402

for command in (portal, analyze, scorecard, rescore):
    main.add_command(command)

if __name__ == "__main__":
    main()
