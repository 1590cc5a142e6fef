"""`cmedebug batch` (issue 17): one row per case, through a local process pool or a
Dask cluster (LocalCluster on 127.0.0.1), the same first root cause as `analyze`,
and a failing case is a row with its error."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmedebug import batch
from cmedebug.cli import main
from cmedebug.pipeline import analyze

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
CASES = sorted(str(p) for p in SAMPLES.iterdir() if p.is_dir())


def _blank(value) -> bool:
    """No value: None, or the null Parquet gives back (NaN / NA)."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _first_root_cause(case: str) -> str:
    roots = analyze([case]).root_causes()
    return roots[0].rule_id if roots else ""


def _broken_zip(tmp_path) -> str:
    path = tmp_path / "damaged-case.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)  # a local header and nothing else
    return str(path)


def _read_outputs(out: Path) -> tuple[list[dict], list[dict]]:
    import pandas as pd

    with open(out / "cases.csv", newline="", encoding="utf-8") as fh:
        from_csv = list(csv.DictReader(fh))
    return pd.read_parquet(out / "cases.parquet").to_dict("records"), from_csv


def test_analyse_case_never_raises_and_says_why(tmp_path):
    row = batch.analyse_case(str(tmp_path / "no-such-case"))
    assert row["error"] and "no-such-case" in row["error"] and row["first_root_cause"] == ""
    assert set(batch.COLUMNS) <= set(row)


@pytest.mark.slow
def test_batch_on_a_local_dask_cluster_gives_analyze_s_first_root_causes(tmp_path):
    distributed = pytest.importorskip("distributed")
    assert CASES, "sample_logs/ holds the reference CME's scenarios"
    broken = _broken_zip(tmp_path)
    out = tmp_path / "triage"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")  # loopback only, as --scheduler takes it
        result = CliRunner().invoke(main, ["batch", *CASES, broken, "--out", str(out), "--quiet",
                                           "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 1, result.output  # one case failed
    rows, csv_rows = _read_outputs(out)
    assert [r["case"] for r in rows] == [*CASES, broken]
    by_case = {r["case"]: r for r in rows}
    for case in CASES:
        assert by_case[case]["first_root_cause"] == _first_root_cause(case), case
        assert _blank(by_case[case]["error"])
        assert (out / by_case[case]["report"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert by_case[broken]["error"], "the damaged zip is a row with its error"
    assert [r["first_root_cause"] for r in csv_rows] == [r["first_root_cause"] for r in rows]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{r["report"]}"' in index for r in rows if r["report"])
    assert "1 case(s) could not be analysed" in index


def test_batch_on_the_local_process_pool(tmp_path):
    cases = [str(SAMPLES / "cert-expired"), str(tmp_path / "missing"), str(SAMPLES / "healthy")]
    out = tmp_path / "triage"
    result = CliRunner().invoke(main, ["batch", *cases, "--out", str(out), "--workers", "2", "--quiet"])
    assert result.exit_code == 1, result.output
    rows, csv_rows = _read_outputs(out)
    assert [r["case"] for r in rows] == cases
    assert rows[0]["first_root_cause"] == _first_root_cause(cases[0])
    assert rows[2]["first_root_cause"] == _first_root_cause(cases[2])
    assert rows[1]["error"] and rows[1]["first_root_cause"] == "" and _blank(rows[0]["error"])
    assert int(csv_rows[0]["findings"]) == rows[0]["findings"] > 0
    assert "3 cases, 1 failed" in result.output


def test_a_dead_worker_is_a_row_not_the_end_of_the_batch():
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    class Failing(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn, *args):
            if args[0] == "explodes":
                future = concurrent.futures.Future()
                future.set_exception(BrokenProcessPool("worker killed"))
                return future
            return super().submit(fn, *args)

    with Failing(1) as executor:
        rows = batch.run(["explodes", str(SAMPLES / "healthy")], executor)
    assert rows[0]["error"] == "worker failed: BrokenProcessPool: worker killed"
    assert rows[1]["error"] is None and rows[1]["first_root_cause"]


def test_cells_that_look_like_formulas_are_text_in_the_csv(tmp_path):
    rows = [dict(dict.fromkeys(batch.COLUMNS), case="=HYPERLINK(\"http://x\")", report_html=None, error="-boom")]
    batch.write(rows, tmp_path)
    text = (tmp_path / "cases.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",'-boom" in text
    page = batch.index_html([dict(rows[0], case="<script>alert(1)</script>")])
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "unsafe-inline" not in page  # the style is allowed by its hash only
