"""Limits on what one client may send, in the server's configuration and in the app's own checks, and
the same numbers in both: .streamlit/config.toml (read by ``streamlit run`` from the repository root)
and explorer.own_data (the Data page's check before parsing, and its upload widget)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib

from explorer import own_data as own
from tests.paths import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_upload_limit_is_one_number_in_config_and_code() -> None:
    server = _config()["server"]
    assert server["maxUploadSize"] == own.MAX_UPLOAD_MB
    assert own.MAX_UPLOAD_BYTES == own.MAX_UPLOAD_MB * 2**20  # Streamlit's MB for uploads is 2^20 bytes
    # the Data page's upload widget uses the same constant, not a number of its own
    source = (ROOT / "pages" / "data.py").read_text(encoding="utf-8")
    assert "max_upload_size=own.MAX_UPLOAD_MB" in source
    # a CSV of the row cap fits well inside the byte limit (so the bytes never refuse a valid file)
    row = "-123.4567890123,-123.4567890123,-1\n"
    assert len(row) * own.MAX_OWN_POINTS < own.MAX_UPLOAD_BYTES / 10


def test_message_and_widget_state_sizes_are_bounded() -> None:
    server = _config()["server"]
    assert 1 <= server["maxMessageSize"] <= 32
    assert 1 <= server["maxWidgetStateSize"] <= server["maxMessageSize"]
    assert (
        _config()["client"]["showErrorDetails"] == "type"
    )  # no traceback, no server path, if all else fails


def test_streamlit_reads_these_limits_from_the_repository_root() -> None:
    """``streamlit run app.py`` from the root (as the README and the Dockerfile do) gets these values."""
    code = (
        "from streamlit import config; config.get_config_options(force_reparse=True); "
        "print([config.get_option(k) for k in ('server.maxUploadSize', 'server.maxMessageSize', "
        "'server.maxWidgetStateSize', 'client.showErrorDetails')])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    server = _config()["server"]
    expected = [server["maxUploadSize"], server["maxMessageSize"], server["maxWidgetStateSize"], "type"]
    assert ast.literal_eval(out.stdout.strip().splitlines()[-1]) == expected, out.stderr


def test_a_file_over_the_limit_is_refused_before_parsing() -> None:
    """load_upload checks the size first: a file one byte over the limit is never read."""

    class Upload:
        name = "big.csv"
        size = own.MAX_UPLOAD_BYTES + 1

        def getvalue(self) -> bytes:
            raise AssertionError("the file was read")

    level, message = own.load_upload(Upload())
    assert level == "error" and f"the limit is {own.MAX_UPLOAD_MB} MB" in message
