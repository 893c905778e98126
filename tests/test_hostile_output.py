"""Hostile output targets and hostile data in what is written.

``-o`` replaces only a regular file and never changes what kind of file a path
is (a device, a named pipe or a link stays one); a write that fails is exit 2
with a message, on ``-o`` and on stdout, for every command. Control and bidi
characters from a record reach no format raw, and no format, no ``--explain``
trace and no message on stderr carries an unmasked phone number (CS-10).
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sopengine.report import FORMATS, ReportOptions
from sopengine.results import Result, SourceRef, Text, Violation

from .clirun import only_summary, run
from .conftest import EXAMPLES, RULES

pytestmark = pytest.mark.usefixtures("bundled_once")
T = "2023-06-03T12:00:00+08:00"
ORDER = json.loads((EXAMPLES / "orders.jsonl").read_text("utf-8").splitlines()[0])
FORMAT_NAMES = ["text", "json", "jsonl", "sarif", "junit", "github"]


@pytest.fixture
def records(tmp_path) -> Path:
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps(ORDER) + "\n", "utf-8")
    return p


def check(capsys, *args: str) -> tuple[int, str, str]:
    return run(capsys, "check", *args, "--now", T, "--rules", str(RULES))


# -- where the report goes -------------------------------------------------------------

def test_a_named_pipe_stays_a_pipe_and_gets_the_report(capsys, records, tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there, so writing cannot block
    try:
        code, _out, err = check(capsys, str(records), "-o", str(fifo))
        got = os.read(reader, 1 << 16).decode()
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the pipe was replaced by a regular file"
    assert code == 0 and only_summary(err) and "DD20230601001" in got


def test_a_full_device_is_a_write_error_and_stays_a_device(capsys, records, tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    link = tmp_path / "full"
    link.symlink_to("/dev/full")  # through a link: the old code replaced the link, never the device
    code, _out, err = check(capsys, str(records), "-o", str(link))
    assert code == 2 and f"sopengine: error: -o {link}: cannot write: No space left on device" in err
    assert link.is_symlink() and stat.S_ISCHR(Path("/dev/full").stat().st_mode)


def test_a_link_stays_a_link_and_its_target_is_replaced(capsys, records, tmp_path):
    real, link, null = tmp_path / "real.txt", tmp_path / "link.txt", tmp_path / "null"
    real.write_text("old", "utf-8")
    link.symlink_to(real)
    null.symlink_to(os.devnull)
    assert check(capsys, str(records), "-o", str(link))[0] == 0
    assert link.is_symlink() and "DD20230601001" in real.read_text("utf-8")
    assert check(capsys, str(records), "-o", str(null))[0] == 0
    assert null.is_symlink() and stat.S_ISCHR(Path(os.devnull).stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "link.txt", "null", "real.txt"]  # no temp file left


def test_a_socket_is_refused_before_any_work(capsys, records, tmp_path):
    import socket

    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        code, out, err = check(capsys, str(records), "-o", str(path))
    assert (code, out) == (2, "") and f"-o {path}: is a socket" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("argv", [
    ["check", str(EXAMPLES / "orders.jsonl"), "--now", T],
    ["check", str(EXAMPLES / "orders.jsonl"), "--now", T, "--format", "sarif"],
    ["coverage"],
    ["graph", "order"],
    ["validate", "--format", "json"],
])
def test_stdout_on_a_full_device_is_exit_2_with_a_message(argv):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "sopengine", *argv], stdout=full, stderr=subprocess.PIPE,
                              cwd=RULES.parent, timeout=120, check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err, err
    assert "sopengine: error: cannot write the output: No space left on device" in err


# -- what is written -------------------------------------------------------------------

HOSTILE_ID = "DD\x1b]0;owned\x07\x1b[31m\u202eabc\u2066\x85\x9b"
RAW = ["\x1b", "\x07", "\u202e", "\u2066", "\x85", "\x9b"]


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_no_control_or_bidi_character_from_a_record_reaches_any_format(capsys, tmp_path, fmt):
    rec = {**ORDER, "id": HOSTILE_ID, "events": ORDER["events"] + [{"type": "x\u202ey\x1b", "at": T, "role": "warehouse"}]}
    (tmp_path / "r.jsonl").write_text(json.dumps(rec) + "\n", "utf-8")
    code, out, err = check(capsys, str(tmp_path / "r.jsonl"), "--format", fmt, "--explain")
    assert code == 1 and "DD" in out
    assert not [c for c in RAW if c in out + err], [c for c in RAW if c in out]
    if fmt == "json":  # escaped the JSON way: the data is unchanged
        assert json.loads(out)[0]["record"] == HOSTILE_ID
    if fmt == "jsonl":
        assert json.loads(out.splitlines()[0])["record"] == HOSTILE_ID
    if fmt == "sarif":
        assert json.loads(out)["runs"][0]["results"][0]["properties"]["record"] == HOSTILE_ID


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_the_api_writers_escape_too(fmt):
    r = Result(HOSTILE_ID, "order", "1.0.0", "placed", (Violation("r", "error", ("ORD-01",), Text("\u202e", "a\x1bb")),),
               source=SourceRef("in\u202e.jsonl", 1, 1))
    out = io.StringIO()
    FORMATS[fmt]([r], out, ReportOptions())
    assert not [c for c in RAW if c in out.getvalue()]
    if fmt == "junit":
        ET.fromstring(out.getvalue().split("\n", 1)[1])


def test_messages_on_stderr_and_in_findings_are_escaped(capsys, tree):
    tree("manual.yaml", (RULES / "manual.yaml").read_text("utf-8"))
    tree("processes/evil\u202elmy.yaml", "apiVersion: sopengine/v1\nkind: Process\nid: x\n")  # Trojan Source in a name
    code, out, err = run(capsys, "validate", str(tree.root))
    assert code == 1 and "evil\\u202elmy.yaml:1:1: error:" in out and not [c for c in RAW if c in out + err]
    code, out, err = run(capsys, "check", str(tree.root / "processes"), "--rules", str(tree.root))
    assert code == 2 and "evil\\u202elmy.yaml" in err and not [c for c in RAW if c in out + err]


# -- masking (CS-10) ---------------------------------------------------------------------

PHONE, MASKED = "13987654321", "139****4321"
STREET = "文三路90号3幢2单元501室"


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_a_schema_error_never_quotes_a_phone_number_or_an_address(capsys, tmp_path, fmt):
    rec = {**ORDER, "id": "DDX", "phone": [PHONE], "address": {"text": [STREET], "remote": False}}
    (tmp_path / "r.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", "utf-8")
    code, out, err = check(capsys, str(tmp_path / "r.jsonl"), "--format", fmt, "--explain")
    assert code == 1 and "does not match" in out
    assert PHONE not in out + err and "文三路90号" not in out + err


def test_explain_and_the_api_mask_what_they_quote(engine):
    rec = {**ORDER, "events": ORDER["events"] + [{"type": "delivered", "at": T, "role": f"agent {PHONE}"}]}
    r = engine.evaluate(rec)
    assert PHONE not in json.dumps(r.to_dict(trace=True), ensure_ascii=False)
    assert any(MASKED in t for t in r.trace)
    bad = engine.evaluate({**ORDER, "placed_at": PHONE})
    assert bad.error and PHONE not in bad.error and MASKED in bad.error


def test_errors_shown_to_the_user_are_masked(capsys, tmp_path):
    (tmp_path / "p.csv").write_text(f"sku,date,price\nA,{PHONE},1\n", "utf-8")
    code, _out, err = check(capsys, str(EXAMPLES / "campaigns.jsonl"), "--table", f"price_history={tmp_path / 'p.csv'}")
    assert code == 2 and PHONE not in err and f"date '{MASKED}' is not a YYYY-MM-DD day" in err


def test_a_rules_finding_quoting_a_phone_number_is_masked(capsys, tree):
    tree("manual.yaml", (RULES / "manual.yaml").read_text("utf-8"))
    tree("processes/x.yaml", f"apiVersion: sopengine/v1\nkind: Process\nid: order\nversion: '{PHONE}'\n")
    code, out, err = run(capsys, "validate", str(tree.root))
    assert code == 1 and PHONE not in out + err and MASKED in out
