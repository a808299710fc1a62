"""`aica doctor` without a deployment: each misconfiguration named on its own line, and a
non-zero exit when a check fails (a broker nobody listens on, production without its secrets)."""
from __future__ import annotations

import socket

from click.testing import CliRunner
from cryptography.fernet import Fernet

from aica.cli import main
from aica.doctor import FAIL, OK, WARN, check_secrets, check_settings


def closed_bootstrap() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def outcomes(checks) -> dict[str, str]:
    return {c.name: c.outcome for c in checks}


def test_production_needs_its_own_secrets(settings_factory):
    bare = settings_factory(public_url="https://aica.example.com")
    assert outcomes(check_secrets(bare)) == {"secret key": FAIL, "app client secret": FAIL, "portal egress": WARN}
    ready = settings_factory(public_url="https://aica.example.com", secret_key=Fernet.generate_key().decode(),
                             app_client_secret="real-secret", insecure_portal_hosts="")
    assert outcomes(check_secrets(ready)) == {"secret key": OK}
    assert outcomes(check_secrets(settings_factory(public_url="https://a.example", secret_key="short",
                                                   app_client_secret="x", insecure_portal_hosts="")))["secret key"] == FAIL


def test_settings_that_cannot_work_are_named(settings_factory):
    [check] = check_settings(settings_factory(analyzer="llm", log_format="xml"))
    assert check.outcome == FAIL and "AICA_LLM_BASE_URL" in check.detail and "AICA_LOG_FORMAT" in check.detail


def test_doctor_exits_non_zero_and_says_the_broker_is_unreachable(tmp_path):
    env = {"AICA_KAFKA_BOOTSTRAP": closed_bootstrap(), "AICA_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["doctor", "--skip-models"], env=env)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("[FAIL] broker") and "unreachable" in line for line in lines)
    assert any(line.startswith("[ok  ] settings") for line in lines)
    assert lines[-1] == "1 check(s) failed"


def test_doctor_names_an_invalid_variable(tmp_path):
    result = CliRunner().invoke(main, ["doctor"], env={"AICA_TOPIC_PARTITIONS": "many", "AICA_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1 and "AICA_TOPIC_PARTITIONS" in result.output


def test_progress_stays_off_when_stderr_is_not_a_terminal(capsys):
    from aica.progress import bar, spinner, steps
    with steps(2, "starting") as progress:
        progress.begin("broker")
        progress.begin("topics")
    with spinner("starting the broker"):
        pass
    with bar(1, "calls analysed") as analysed:
        analysed.update(1)
    assert capsys.readouterr().err == ""  # logs and pipes stay calm
