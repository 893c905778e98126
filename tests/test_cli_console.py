"""The terminal side of `check`: a progress bar and colour on a terminal only (NO_COLOR honoured),
never in a report; a closing summary line on stderr in every format."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys

from sopengine.cli.console import count_records, use_color

from .conftest import EXAMPLES, ROOT

NOW = "2023-06-03T12:00:00+08:00"
ORDERS = EXAMPLES / "orders.jsonl"
CMD = [sys.executable, "-m", "sopengine", "check", str(ORDERS), "--now", NOW, "--rules", str(ROOT / "rules")]


def on_a_terminal(args: list[str], env: dict[str, str] | None = None, stdout_tty: bool = True) -> tuple[bytes, bytes]:
    """Run with stderr (and stdout unless told) on a pseudo-terminal: (what the terminal shows, piped stdout)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(CMD + args, stdout=slave if stdout_tty else subprocess.PIPE, stderr=slave,
                            env={**os.environ, "TERM": "xterm", **(env or {})}, cwd=ROOT)
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    piped = proc.stdout.read() if proc.stdout else b""
    proc.wait(timeout=60)
    os.close(master)
    return shown, piped


def test_progress_bar_on_a_terminal_when_the_report_goes_elsewhere(tmp_path):
    out = tmp_path / "report.json"
    shown, _ = on_a_terminal(["--format", "json", "-o", str(out)])
    n = count_records([str(ORDERS)])
    assert f"/{n}".encode() in shown and b"records/s" in shown  # records done of the known total, the rate
    assert b"sopengine: 13 records" in shown and b"evaluation errors in" in shown  # the closing line
    report = out.read_bytes()
    assert b"\x1b" not in report and b"\r" not in report and len(json.loads(report)) == n


def test_no_bar_when_the_report_is_on_the_terminal_and_colour_unless_no_color():
    shown, _ = on_a_terminal([])
    assert b"records/s" not in shown
    assert b"  \x1b[1;31merror\x1b[0m   " in shown  # a coloured severity
    plain, _ = on_a_terminal([], env={"NO_COLOR": "1"})
    assert b"\x1b[" not in plain and b"error   ship.out_of_order" in plain


def test_machine_output_to_a_pipe_has_no_bar_and_no_colour_and_the_summary_on_stderr():
    proc = subprocess.run(CMD + ["--format", "sarif"], capture_output=True, cwd=ROOT, check=False)
    assert b"\x1b" not in proc.stdout + proc.stderr and b"records/s)" in proc.stderr
    json.loads(proc.stdout)
    assert proc.stderr.decode().strip().splitlines()[-1].startswith("sopengine: 13 records, ")
    text = subprocess.run(CMD, capture_output=True, cwd=ROOT, check=False)
    assert b"\x1b" not in text.stdout and text.stdout.decode().rstrip().splitlines()[-1].startswith("13 records")
    assert b"records/s" not in text.stderr  # the text report's own last line is the summary
    bar_on_pipe, piped = on_a_terminal(["--format", "json"], stdout_tty=False)
    assert b"records/s" in bar_on_pipe and b"\x1b" not in piped and json.loads(piped)


def test_colour_choice():
    assert use_color("always", None, {"NO_COLOR": "1"}) is True  # an explicit flag wins
    assert use_color("auto", sys.stdin, {"NO_COLOR": "1"}) is False
    assert use_color("never", None, {}) is False
    with open(os.devnull, "w") as devnull:
        assert use_color("auto", devnull, {}) is False  # not a terminal


def test_records_counted_only_for_json_lines(tmp_path):
    assert count_records([str(ORDERS)]) == 13
    assert count_records([str(EXAMPLES / "orders.jsonl"), "-"]) is None
    (tmp_path / "a.json").write_text("[]", "utf-8")
    assert count_records([str(tmp_path / "a.json")]) is None
