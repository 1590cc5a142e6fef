"""atheris fuzz target: any bytes as a case input, through the whole reading path.

Not run in CI (coverage-guided fuzzing needs minutes to hours); see fuzz/README.md.
Each input goes through ingest as a text log (framing, routing, every line
parser) and through every whole-file decoder. Ingest turns a parser exception
into a warning so that one bad line never stops an analysis; here such a
warning is a bug and is raised, so atheris records the crashing input.
"""
from __future__ import annotations

import io
import sys

import atheris

with atheris.instrument_imports():
    from cmedebug.ingest import read_input
    from cmedebug.model import Case
    from cmedebug.parsers.base import Context, file_parsers, line_parsers
    from cmedebug.sources import Input

    line_parsers()  # the parser modules load here, so that atheris instruments them too
    DECODERS = [cls() for cls in file_parsers()]


def test_one_input(data: bytes) -> None:
    case = Case()
    summary = read_input(Input("fuzz.log", lambda: io.BytesIO(data)), case, kind=None)
    failures = [w for w in summary.warnings if "parser failed" in w]
    if failures or (summary.error and "decoder failed" in summary.error):
        raise RuntimeError(failures or summary.error)
    if summary.understood_lines + summary.unparsed_lines != summary.nonblank_lines:
        raise AssertionError(f"line accounting broken: {summary}")
    for decoder in DECODERS:
        decoder.parse_file(data, Context(path="fuzz.bin"))


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
