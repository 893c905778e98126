"""JSON Lines read a block at a time (records.line_runs) and cut into slices with C calls (slices._cut_lines):
the very lines, numbers and slices of reading them one ``readline(MAX_LINE_BYTES + 1)`` at a time, as the
reader did, whatever the lengths, line ends, limits and block size (the reference below is that reader)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.inputs import records, slices


def _by_readline(stream, head):
    """(number, line) as readline(MAX_LINE_BYTES + 1) reads them; None for a line over the limit."""
    pending, n = list(head), 0
    while True:
        raw = pending.pop(0) if pending else stream.readline(records.MAX_LINE_BYTES + 1)
        if not raw:
            return
        n += 1
        if len(raw) > records.MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1 << 16)
            yield n, None
        else:
            yield n, raw


def _slices_by_line(lines):
    out, size = [], 0
    for line in lines:
        out.append(line)
        size += len(line[1] or b"")
        if len(out) >= slices.SLICE_LINES or size >= slices.SLICE_BYTES:
            yield tuple(out)
            out, size = [], 0
    if out:
        yield tuple(out)


lines = st.lists(st.tuples(st.sampled_from([0, 1, 2, 5, 9, 10, 11, 12, 29, 30, 31, 99, 100, 101, 300]),
                           st.sampled_from([b"\n", b"\r\n", b"\n\n", b""])), max_size=30)


@settings(max_examples=400, deadline=None)
@given(lines, st.sampled_from([5, 10, 30, 100, 1 << 24]), st.sampled_from([1, 3, 7, 16, 64, 1 << 20]),
       st.sampled_from([1, 2, 3, 1000]), st.sampled_from([1, 4, 10, 50, 1 << 20]), st.integers(0, 3))
def test_blocks_give_the_lines_and_slices_of_readline(parts, most, block, per_slice, slice_bytes, heads):
    data = b"".join(b"x" * n + end for n, end in parts)
    saved = records.MAX_LINE_BYTES, records.READ_BYTES, slices.SLICE_LINES, slices.SLICE_BYTES
    records.MAX_LINE_BYTES, records.READ_BYTES, slices.SLICE_LINES, slices.SLICE_BYTES = most, block, per_slice, slice_bytes
    try:
        def opened():
            s = io.BytesIO(data)
            return s, [s.readline(most + 1) for _ in range(heads)]  # as sniffed reads a stream's first lines

        want = list(_by_readline(*opened()))
        assert list(records._lines(*opened())) == want
        assert [s.lines for s in slices._cut_lines(*opened(), "x.jsonl")] == list(_slices_by_line(want))
    finally:
        records.MAX_LINE_BYTES, records.READ_BYTES, slices.SLICE_LINES, slices.SLICE_BYTES = saved
