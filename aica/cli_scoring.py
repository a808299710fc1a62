"""`aica analyze | scorecard check | rescore`: judge recordings and history, check scorecards."""
from __future__ import annotations

import asyncio
import sys

import click

from aica.cli_support import cli_logging as _logging, cli_settings as _settings


@click.command()
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


@click.group()
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


@click.command()
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
               f"{report.skipped} skipped (project gone), {report.shredded} shredded (portal uninstalled), "
               f"{report.failed} failed, "
               f"{report.rate:.0f} calls/s")
    if report.state != "done":
        click.echo("interrupted: run the same command again to resume", err=True)
        sys.exit(130 if stopping else 1)
