"""`reconcile demo` end to end on the bundled synthetic samples: files, summary, report, and the
regeneration path used when the samples are not bundled (non-editable installs)."""

from __future__ import annotations

import contextlib
import importlib
import io
import json

import polars as pl
import pytest

from reconcile import cli, demo


def _run(**kw):
    try:
        return demo.run_demo(**kw)
    except NotImplementedError as exc:  # pragma: no cover - only while a module is still a stub
        pytest.skip(f"pipeline not complete yet: {exc}")


def _section_piles(html_text: str) -> list[str]:
    """The pile of every claim, read from the report's embedded data."""
    data = importlib.import_module("reconcile.report").read_payload(html_text)
    return [data["statuses"][c["s"]] for c in data["claims"]]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One demo run in Vietnamese with its console summary captured: (result, printed text)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        res = _run(out_dir=tmp_path_factory.mktemp("demo") / "out", lang="vi")
    return res, buf.getvalue()


@pytest.fixture(scope="module")
def result(run):
    return run[0]


@pytest.mark.slow
def test_demo_writes_candidates_leads_and_report(result):
    assert result.samples.name == "samples" and result.n_claims == 300 and result.n_people == 3000
    cands = pl.read_csv(result.candidates, infer_schema=False)
    assert {"claim_id", "rank", "person_id", "probability", "weight", "evidence", "evidence_detail",
            "p_none"} <= set(cands.columns)
    assert cands["probability"].cast(pl.Float64).is_between(0, 1).all()
    detail = json.loads(cands["evidence_detail"].drop_nulls()[0])
    assert isinstance(detail, list) and {"field", "level", "weight", "text", "claimed", "recorded",
                                         "recorded_person_id"} <= set(detail[0])
    leads = pl.read_csv(result.leads, infer_schema=False)
    assert set(leads["kind"].unique()) <= {"self", "relative", "household", "place"}

    piles = _section_piles(result.report.read_text(encoding="utf-8"))
    assert len(piles) == result.n_claims
    assert sum(result.counts.values()) == result.n_claims
    for pile, n in result.counts.items():
        assert piles.count(pile) == n
    # the samples hold people who are not registered: not all of them may be "likely"
    assert result.counts["likely"] < result.n_claims
    assert set(result.timings) == {"load", "index", "match", "leads", "report", "total"}
    assert result.truth["likely"] == result.counts["likely"]


def test_demo_prints_short_summary_without_personal_data(run):
    res, out = run
    assert "300 lời khai" in out and "3.000 người" in out and "có khả năng trùng khớp" in out
    assert "Thời gian" in out and str(res.report.resolve()) in out
    names = pl.read_csv(res.samples / "population.csv", infer_schema=False)["full_name"]
    claims = [json.loads(line)["name"] for line in (res.samples / "claims.jsonl").read_text("utf-8").splitlines()]
    assert not any(n in out for n in [*names.to_list(), *claims] if n and len(n.split()) >= 2)


def test_cli_demo_calls_run_demo(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(demo, "run_demo", lambda **kw: seen.update(kw))
    assert cli.main(["demo", "--out-dir", str(tmp_path / "d"), "--lang", "en"]) == 0
    assert seen["out_dir"] == str(tmp_path / "d") and seen["lang"] == "en" and callable(seen["progress"])
    seen.clear()
    assert cli.main(["demo", "-q"]) == 0
    assert seen["out_dir"] is None          # run_demo picks a temporary folder


def test_demo_writes_to_a_temporary_folder_by_default_and_says_where(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demo, "find_samples", lambda: None)
    monkeypatch.setattr(demo, "SAMPLE_ARGS", dict(people=400, claims=12, seed=5))
    made = tmp_path / "elsewhere" / "reconcile-demo-x"
    monkeypatch.setattr(demo.tempfile, "mkdtemp", lambda prefix: (made.mkdir(parents=True), str(made))[1])
    seen = []
    res = _run(lang="en", progress=lambda *a: seen.append(a))
    out = capsys.readouterr().out
    assert res.out_dir == made and res.report.parent == made
    assert out.splitlines()[0].startswith(f"Writing the results to {made} (a temporary folder")
    assert not (tmp_path / "reconcile-demo").exists()
    stages = {s for s, _d, _t in seen}
    assert {"generate", "index", "match", "leads", "report"} <= stages


def test_cli_demo_refuses_a_file_as_out_dir(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x", "utf-8")
    assert cli.main(["demo", "--out-dir", str(f)]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "is a file, but a folder is needed" in err and "Traceback" not in err


def test_demo_regenerates_samples_when_not_bundled(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "find_samples", lambda: None)
    monkeypatch.setattr(demo, "SAMPLE_ARGS", dict(people=500, claims=20, seed=5))
    res = _run(out_dir=tmp_path / "out", lang="vi", quiet=True)
    assert res.samples == tmp_path / "out" / "samples"
    assert (res.samples / "population.csv").exists() and (res.samples / "truth.csv").exists()
    assert res.n_claims == 20 and res.report.exists()


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown language"):
        demo.run_demo(out_dir=tmp_path, lang="fr")


def test_report_module_is_reachable_under_its_name():
    # rc.report is the function; the module stays importable for the demo
    assert callable(importlib.import_module("reconcile.report").claim_status)
