"""The Faust app takes its consumer-group timing from Settings."""
from __future__ import annotations

from streams.app import create_app


def test_session_timeout_comes_from_settings(settings_factory):
    # How long a SIGKILLed worker holds its partitions before the group moves on (test_soak.py).
    assert create_app(settings_factory()).conf.broker_session_timeout == 60.0
    assert create_app(settings_factory(consumer_session_timeout_s=15.0)).conf.broker_session_timeout == 15.0
