"""`aica`: one command, a subcommand per process (gateway, worker, sandbox portal, broker) plus the
all-in-one embedded mode and the demo."""
from __future__ import annotations

import asyncio
import os
import sys

import click

from streams.settings import Settings


def _settings() -> Settings:
    return Settings()


def _logging(level: str) -> None:
    from streams.logs import configure_logging
    configure_logging(level, _settings().log_format)


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


@main.group()
def portal() -> None:
    """Connected portals: list them; connect one by webhooks (no marketplace app)."""


@portal.command("add-webhook")
@click.option("--domain", required=True, help="the portal, e.g. example.bitrix24.com")
@click.option("--inbound-url", prompt=True, hide_input=True,
              help="the inbound webhook https://<portal>/rest/<user>/<code>/ (asked if not given: it is a secret)")
@click.option("--application-token", prompt=True, hide_input=True,
              help="the outbound webhook's application token (asked if not given)")
@click.option("--member-id", default=None, help="the portal's member_id if known (else found from its events)")
def portal_add_webhook(domain: str, inbound_url: str, application_token: str, member_id: str | None) -> None:
    """Connect a portal by webhooks: checked with live calls, then stored encrypted.

    On the portal (Developer resources > Webhooks): an inbound webhook of an administrator with the
    crm and disk scopes (telephony too, for line and duration), and an outbound webhook for
    ONCRMACTIVITYADD and ONCRMACTIVITYUPDATE to <AICA_PUBLIC_URL>/b24/events."""
    from bitrix.fields import wanted_fields
    from catalog.projects import load_catalog
    from control.portals import KafkaPortals
    from control.webhooks import WebhookRefused, connect_webhook
    settings = _settings()
    portals = KafkaPortals(settings).start()
    try:
        connection = asyncio.run(connect_webhook(
            settings, portals, domain=domain, inbound_url=inbound_url, application_token=application_token,
            wanted_fields=wanted_fields(load_catalog(settings)), member_id=member_id))
    except WebhookRefused as refused:
        click.echo(f"not connected: {refused}", err=True)
        sys.exit(1)
    finally:
        portals.stop()
    click.echo(f"connected {connection.portal.domain} by webhook as {connection.portal.member_id}")
    click.echo(f"  webhook user: {connection.user}; scopes: {', '.join(connection.scopes)}")
    if connection.missing_optional:
        click.echo(f"  without {', '.join(connection.missing_optional)}: calls get no line or duration "
                   "(the default project is used)")
    click.echo(f"  CRM fields created: {', '.join(connection.fields_created) or 'none (all exist)'}")
    click.echo(f"  outbound webhook handler: {settings.public_url.rstrip('/')}/b24/events "
               "(events ONCRMACTIVITYADD, ONCRMACTIVITYUPDATE)")


@portal.command("remove-webhook")
@click.option("--member-id", required=True, help="the portal's key, as `aica portal list` shows it")
def portal_remove_webhook(member_id: str) -> None:
    """Stop serving a webhook-connected portal: its webhook URL and token are deleted. Delete the
    webhooks in Bitrix24 too (Developer resources > Webhooks)."""
    from control.portals import KafkaPortals
    from control.webhooks import WebhookRefused, disconnected
    portals = KafkaPortals(_settings()).start()
    try:
        current = portals.get(member_id)
        if current is None:
            click.echo(f"no portal {member_id}", err=True)
            sys.exit(1)
        try:
            asyncio.run(portals.put(disconnected(current)))
        except WebhookRefused as refused:
            click.echo(f"not removed: {refused}", err=True)
            sys.exit(1)
    finally:
        portals.stop()
    click.echo(f"portal {current.domain} ({member_id}) disconnected; its events are refused from now on")


@portal.command("list")
def portal_list() -> None:
    """Every known portal: key, domain, how it is connected, state."""
    from control.portals import KafkaPortals
    portals = KafkaPortals(_settings()).start()
    try:
        for known in sorted(portals.all(), key=lambda p: p.domain):
            click.echo(f"{known.member_id:<34} {known.domain:<40} {known.auth_mode:<8} {known.status}")
    finally:
        portals.stop()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--project", default=None, help="project whose language, models and scorecard apply (default: the default project)")
@click.option("--projects-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="a projects/scorecards file to try (default: AICA_PROJECTS_FILE or the built-in one)")
@click.option("--json", "as_json", is_flag=True, help="print the full redacted transcript, analysis and score records")
def analyze(files: tuple[str, ...], project: str | None, projects_file: str | None, as_json: bool) -> None:
    """Run local recordings (wav/mp3/ogg, mono or stereo) through transcribe -> redact -> analyze
    -> score, with the pipeline's own stage functions: no Kafka, no portal, no ClickHouse."""
    import json
    from pathlib import Path

    from agents.offline import process_recording
    from aica.report import format_result
    from catalog.projects import ProjectConfigError, load_catalog, load_catalog_file
    settings = _settings()
    try:
        catalog = load_catalog_file(Path(projects_file)) if projects_file else load_catalog(settings)
    except ProjectConfigError as exc:
        raise click.ClickException(str(exc)) from None
    chosen = catalog.projects.get(project) if project else catalog.default
    if chosen is None:
        raise click.BadParameter(f"no project {project!r}; choose from {sorted(catalog.projects)}", param_hint="--project")
    scorecard = catalog.scorecard(chosen.scorecard)
    for path in files:
        context = {"call_id": Path(path).name, "member_id": "local", "project": chosen.name,
                   "language": chosen.language, "versions": {}}
        result = process_recording(path, chosen, scorecard, settings, context)
        if as_json:
            click.echo(json.dumps({"file": path, "redacted": result.redacted, "analysis": result.analysis,
                                   "score": result.score}, ensure_ascii=False, default=str))
        else:
            click.echo(format_result(path, result, scorecard))


@main.group()
def scorecard() -> None:
    """Scorecards and projects files."""


@scorecard.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def scorecard_check(path: str) -> None:
    """Validate a projects/scorecards file; print each problem with its line."""
    from pathlib import Path

    from catalog.check import check_file
    problems = check_file(Path(path))
    for problem in problems:
        click.echo(f"{path}: {problem}")
    if problems:
        sys.exit(1)
    click.echo(f"{path}: ok")


def _moment(value: str | None) -> int | None:
    """ISO date or date-time (UTC unless an offset is given) -> epoch ms."""
    if value is None:
        return None
    from datetime import datetime, timezone
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date or date-time (e.g. 2026-09-01 or 2026-09-01T08:00)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


@main.command()
@click.option("--since", default=None, help="first call time to rescore (ISO date/date-time, UTC)")
@click.option("--until", default=None, help="rescore calls before this time (default: up to now)")
@click.option("--portal", "member_id", default=None, help="one portal's member_id (default: all)")
@click.option("--project", default=None, help="one project (default: all)")
@click.option("--write-crm", is_flag=True, help="also write the new results into the CRM fields")
@click.option("--dry-run", is_flag=True, help="print how many calls, which portals and the estimated time")
@click.option("--loglevel", default="warning")
def rescore(since: str | None, until: str | None, member_id: str | None, project: str | None,
            write_crm: bool, dry_run: bool, loglevel: str) -> None:
    """Judge recorded calls again under today's scorecards, beside the old verdicts (no ASR).

    Runs as its own consumer group: live traffic is not paused; several processes running the
    same command share the work; the same command after Ctrl-C or a crash resumes the run."""
    _logging(loglevel)
    import signal

    from agents.rescore import Selection
    from aica.rescore import Rescorer, RescoreRequest
    request = RescoreRequest(Selection(member_id, project), _moment(since), _moment(until), write_crm)
    rescorer = Rescorer(_settings(), request)
    stopping: list[bool] = []
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    try:
        if dry_run:
            report = asyncio.run(rescorer.dry_run())
            per_call = report.seconds / max(1, min(report.planned, 20))
            click.echo(f"run {report.run_id}: {report.planned} of the {report.read} calls in range are selected, "
                       f"scorecards {', '.join(rescorer.scorecards)}")
            for portal, n in report.portals.most_common():
                click.echo(f"  portal {portal}: {n} calls")
            click.echo(f"estimated time: {per_call * report.planned:.0f} s ({per_call * 1000:.1f} ms per call)")
            return
        report = asyncio.run(rescorer.run(stop=lambda: bool(stopping)))
    finally:
        rescorer.close()
    click.echo(f"run {report.run_id} {report.state}: {report.read} read, {report.rescored} rescored, "
               f"{report.skipped} skipped (project gone), {report.failed} failed, "
               f"{report.rate:.0f} calls/s")
    if report.state != "done":
        click.echo("interrupted: run the same command again to resume", err=True)
        sys.exit(130 if stopping else 1)


if __name__ == "__main__":
    main()
