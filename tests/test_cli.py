"""The command line end to end on the bundled sample data, and its handling of bad input: the error
policy for bad rows and its rejects file, output problems refused before the work starts (exit 2,
one message, no traceback), help texts, progress per batch, `python -m reconcile`, `generate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

import reconcile as rc
from reconcile import batches, cli, io as rc_io, progress, synth

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
PROBLEM_SCHEMA = rc_io.PROBLEM_SCHEMA


def main(argv) -> int:
    """cli.main, with argparse's SystemExit (bad options, --help) turned into its exit code."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code


def _run(argv, cwd=None):
    """The installed entry point in a subprocess (python -m reconcile), as a user runs it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "reconcile", *argv], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=300)


@pytest.fixture(scope="module")
def built_index(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "sample.rcidx"
    pop = rc.read_population(SAMPLES / "population.csv")
    rc.build_index(pop).save(out)
    return out


# ------------------------------------------------------------------------------------------ round trip

def test_index_match_leads_round_trip(built_index, tmp_path, capsys):
    idx = tmp_path / "again.rcidx"
    assert cli.main(["index", str(SAMPLES / "population.csv"), "--out", str(idx), "-q"]) == 0
    assert (tmp_path / "again.rejects.csv").is_file()
    cands = tmp_path / "candidates.csv"
    assert cli.main(["match", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                     "--top-k", "3", "--out", str(cands), "-q"]) == 0
    frame = pl.read_csv(cands)
    for col in ["claim_id", "rank", "person_id", "probability", "weight", "evidence"]:
        assert col in frame.columns
    assert frame["rank"].max() <= 3
    assert frame["probability"].is_between(0, 1).all()
    # Nested evidence is written as JSON text in CSV.
    assert isinstance(json.loads(frame["evidence_detail"].drop_nulls()[0]), list)
    out = capsys.readouterr().out
    assert "300 rows read, 300 used, 0 set aside, 0 cells coerced" in out
    assert str(tmp_path / "candidates.rejects.csv") in out

    leads = tmp_path / "leads.csv"
    assert cli.main(["leads", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                     "--out", str(leads), "-q", "--lang", "en"]) == 0
    lf = pl.read_csv(leads)
    assert set(lf["kind"].unique()) <= {"self", "relative", "household", "place"}
    assert lf["reason"].str.len_chars().min() > 10
    assert set(lf["claim_id"].unique()) <= set(frame["claim_id"].unique()) | set(
        json.loads(line)["claim_id"] for line in (SAMPLES / "claims.jsonl").read_text("utf-8").splitlines())


def test_match_writes_json_array_and_parquet(built_index, tmp_path):
    for name in ("c.json", "c.parquet", "c.jsonl"):
        assert cli.main(["match", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                         "--top-k", "1", "--out", str(tmp_path / name), "-q"]) == 0
    as_json = json.loads((tmp_path / "c.json").read_text("utf-8"))
    assert isinstance(as_json, list) and as_json[0]["rank"] == 1
    assert pl.read_parquet(tmp_path / "c.parquet").height == len(as_json)


def test_report_takes_top_k(built_index, tmp_path):
    out = tmp_path / "r.html"
    assert cli.main(["report", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                     "--top-k", "2", "--out", str(out), "-q"]) == 0
    text = out.read_text("utf-8")
    assert text.lstrip().lower().startswith("<!doctype html")
    assert "Đọc claims.jsonl: 300 dòng, dùng 300, gạt ra 0" in text   # the claims' load line


# ------------------------------------------------------------------------------------------ bad input

def test_bad_claims_file_gives_one_clear_message_and_keeps_old_output(built_index, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"claim_id": "C1", "name": "Giàng A Páo"}\n{"claim_id": "C2", "name": \n', encoding="utf-8")
    out = tmp_path / "candidates.csv"
    out.write_text("previous result\n", encoding="utf-8")
    code = cli.main(["match", str(bad), "--index", str(built_index), "--out", str(out), "-q",
                     "--on-bad-rows", "raise"])
    assert code == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "bad.jsonl" in err and "2" in err and "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "previous result\n"


def test_missing_population_file_is_reported(tmp_path, capsys):
    code = cli.main(["index", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x.rcidx"), "-q"])
    assert code == cli.EXIT_INPUT
    assert "nope.csv" in capsys.readouterr().err


def test_damaged_index_is_refused(built_index, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken.rcidx"
    shutil.copytree(built_index, broken)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    code = cli.main(["match", str(SAMPLES / "claims.jsonl"), "--index", str(broken),
                     "--out", str(tmp_path / "c.csv"), "-q"])
    assert code == cli.EXIT_INDEX
    assert "index" in capsys.readouterr().err.lower()


# ------------------------------------------------------------------------------------------ error policy

class FakeReader:
    """A reader with the io contract (errors=, report=True → frame, LoadReport) that records the
    policy it was given and reports two problems: one coerced cell, one row set aside."""

    def __init__(self, real):
        self.real = real
        self.policies = []

    def __call__(self, source, columns=None, *, errors="coerce", report=False):
        self.policies.append(errors)
        frame = self.real(source)
        problems = pl.DataFrame(
            {"file": [str(source)] * 2, "row": [4, 9], "column": ["birth_date", "name"],
             "value": ["1990-13-45", None], "reason": ["unparseable date", "no name"],
             "action": ["coerced", "skipped"]}, schema=PROBLEM_SCHEMA)
        load = SimpleNamespace(rows_read=frame.height + 1, rows_used=frame.height, rows_set_aside=1,
                               problems=problems)
        return (frame, load) if report else frame


@pytest.mark.parametrize("policy", ["raise", "skip", "coerce"])
def test_on_bad_rows_is_passed_to_the_reader_and_every_problem_is_written(built_index, tmp_path, capsys,
                                                                          monkeypatch, policy):
    fake = FakeReader(rc.read_claims)
    monkeypatch.setattr(rc, "read_claims", fake)
    out = tmp_path / "cands.parquet"
    assert cli.main(["match", str(SAMPLES / "claims.jsonl"), "--index", str(built_index), "--top-k", "1",
                     "--out", str(out), "-q", "--on-bad-rows", policy]) == 0
    assert fake.policies == [policy]
    rejects = pl.read_csv(tmp_path / "cands.rejects.csv", infer_schema=False)
    assert rejects.columns == list(cli.REJECTS_COLUMNS)
    assert rejects["row"].to_list() == ["4", "9"] and rejects["action"].to_list() == ["coerced", "skipped"]
    line = capsys.readouterr().out
    assert "301 rows read, 300 used, 1 set aside, 1 cells coerced or repaired" in line
    assert f"--on-bad-rows {policy}" in line


def test_default_policy_is_coerce_and_explained_in_help(monkeypatch, capsys, tmp_path, built_index):
    fake = FakeReader(rc.read_population)
    monkeypatch.setattr(rc, "read_population", fake)
    assert cli.main(["index", str(SAMPLES / "population.csv"), "--out", str(tmp_path / "i.rcidx"), "-q"]) == 0
    assert fake.policies == ["coerce"]
    assert (tmp_path / "i.rejects.csv").is_file()
    capsys.readouterr()
    assert main(["index", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Default: coerce, because" in text


def test_raise_policy_writes_every_problem_to_rejects_and_exits_2(built_index, tmp_path, capsys, monkeypatch):
    from reconcile.errors import BadValueError, InputErrors

    def failing(source, columns=None, *, errors="coerce", report=False):
        problems = [BadValueError("unparseable date", source="c.csv", row=n, field="birth_date",
                                  value="1990-13-45", hint="write the date as YYYY-MM-DD")
                    for n in range(2, 80)]
        raise InputErrors(errors=problems, source="c.csv")

    monkeypatch.setattr(rc, "read_claims", failing)
    code = cli.main(["leads", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                     "--out", str(tmp_path / "l.csv"), "-q", "--on-bad-rows", "raise"])
    assert code == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "l.rejects.csv" in err and "--on-bad-rows coerce" in err and "Traceback" not in err
    rejects = pl.read_csv(tmp_path / "l.rejects.csv", infer_schema=False)
    assert rejects.height == 78 and set(rejects["action"]) == {"raise"}
    assert not (tmp_path / "l.csv").exists()


def test_dirty_register_row_is_coerced_skipped_or_refused(tmp_path, capsys):
    rows = pl.read_csv(SAMPLES / "population.csv", infer_schema=False).head(40)
    rows = rows.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("X"))
                             .otherwise(pl.col("sex")).alias("sex"))
    src = tmp_path / "dirty.csv"
    rows.write_csv(src)
    assert cli.main(["index", str(src), "--out", str(tmp_path / "c.rcidx"), "-q"]) == 0
    assert "40 rows read, 40 used, 0 set aside, 1 cells coerced or repaired" in capsys.readouterr().out
    assert cli.main(["index", str(src), "--out", str(tmp_path / "s.rcidx"), "-q", "--on-bad-rows", "skip"]) == 0
    assert "40 rows read, 39 used, 1 set aside" in capsys.readouterr().out
    assert cli.main(["index", str(src), "--out", str(tmp_path / "r.rcidx"), "-q",
                     "--on-bad-rows", "raise"]) == cli.EXIT_INPUT
    assert pl.read_csv(tmp_path / "r.rejects.csv", infer_schema=False)["column"].to_list() == ["sex"]


# ------------------------------------------------------------------------------------------ output problems

def _claims_cmd(built_index, out, *extra):
    return ["match", str(SAMPLES / "claims.jsonl"), "--index", str(built_index), "--out", str(out), "-q", *extra]


def _read_only_folder(tmp_path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    # the administrator may write anywhere a permission bit forbids: use a read-only file system
    for folder in (Path("/sys"), Path("/proc/self")):
        try:
            (folder / ".reconcile-probe").open("w").close()
        except OSError:
            return folder
    pytest.skip("no read-only folder available to the administrator here")


def test_output_problems_are_refused_before_any_work(built_index, tmp_path, monkeypatch, capsys):
    """Each problem gives exit 2 and one message naming it and the fix, before the index or the claims
    are even read."""
    def no_work(*a, **k):
        raise AssertionError("work started before the output was checked")

    monkeypatch.setattr(rc, "load_index", no_work)
    monkeypatch.setattr(rc, "read_claims", no_work)
    folder = tmp_path / "results"
    folder.mkdir()
    cases = {
        "is a folder": _claims_cmd(built_index, folder),
        "unknown output format .xlsx": _claims_cmd(built_index, tmp_path / "c.xlsx"),
        "unknown output format (the name has no extension)": _claims_cmd(built_index, tmp_path / "cands"),
        "cannot write in the folder": _claims_cmd(built_index, _read_only_folder(tmp_path) / "c.csv"),
        "is a file, not a folder": _claims_cmd(built_index, SAMPLES / "claims.jsonl" / "c.csv"),
    }
    for expected, argv in cases.items():
        assert cli.main(argv) == cli.EXIT_INPUT, expected
        err = capsys.readouterr().err
        assert expected in err and "Fix:" in err and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "c.xlsx").exists() and not (tmp_path / "cands").exists()


def test_report_and_index_outputs_are_checked(built_index, tmp_path, capsys):
    assert cli.main(["report", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                     "--out", str(tmp_path / "r.csv")]) == cli.EXIT_INPUT
    assert "accepted: .html, .htm" in capsys.readouterr().err
    assert cli.main(["index", str(SAMPLES / "population.csv"), "--out", str(tmp_path / "i.csv")]) == 2
    assert "NAME.rcidx" in capsys.readouterr().err
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", "utf-8")
    assert cli.main(["index", str(SAMPLES / "population.csv"), "--out", str(other)]) == 2
    assert "not a reconcile index" in capsys.readouterr().err
    assert (other / "keep.txt").read_text("utf-8") == "mine"


@pytest.mark.parametrize("value", ["0", "-3", "ten"])
def test_top_k_must_be_positive(built_index, tmp_path, capsys, value):
    assert main(_claims_cmd(built_index, tmp_path / "c.csv", "--top-k", value)) == 2
    err = capsys.readouterr().err
    assert "--top-k" in err and "1 or more" in err and "Traceback" not in err


def test_output_problem_in_a_subprocess_has_no_traceback(built_index, tmp_path):
    res = _run(["leads", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                "--out", str(tmp_path), "-q"])
    assert res.returncode == 2
    assert "is a folder" in res.stderr and "Traceback" not in res.stderr
    res = _run(["report", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                "--top-k", "0", "--out", str(tmp_path / "r.html")])
    assert res.returncode == 2 and "--top-k" in res.stderr and "Traceback" not in res.stderr


def test_damaged_index_in_a_subprocess_exits_3(tmp_path):
    broken = tmp_path / "b.rcidx"
    broken.mkdir()
    (broken / "manifest.json").write_text("{}", encoding="utf-8")
    res = _run(["match", str(SAMPLES / "claims.jsonl"), "--index", str(broken), "--out", str(tmp_path / "c.csv")])
    assert res.returncode == 3 and "Traceback" not in res.stderr


def test_write_frame_refuses_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match="unknown output format"):
        cli.write_frame(pl.DataFrame({"a": [1]}), tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------------------------------ help

def _help(capsys, *argv) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def test_help_of_every_command_explains_every_option(capsys):
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, sp in sub.choices.items():
        text = _help(capsys, name)
        flat = " ".join(text.split())
        assert "`" not in text, name
        for action in sp._actions:
            if action.dest == "help":
                continue
            assert action.help and len(action.help) > 20, (name, action.dest)
            label = action.option_strings[-1] if action.option_strings else action.metavar
            assert label in text, (name, label)
            optional = action.option_strings and not action.required and action.dest != "quiet"
            if optional and action.default is not None:
                assert "default" in action.help.lower(), (name, action.dest)
        assert "Exit codes" in flat, name
    assert "--top-k" in _help(capsys, "report")
    flat = " ".join(_help(capsys, "match").split())
    for ext in cli.FRAME_FORMATS:
        assert ext in flat
    assert ".parquet" in " ".join(_help(capsys, "index").split())


def test_python_dash_m_reconcile_works():
    res = _run(["--help"])
    assert res.returncode == 0 and "match" in res.stdout and "`" not in res.stdout
    res = _run(["--version"])
    assert res.returncode == 0 and res.stdout.startswith("reconcile ")


# ------------------------------------------------------------------------------------------ generate

def test_generate_writes_the_same_claims_to_jsonl_and_csv(tmp_path, capsys):
    out = tmp_path / "gen"
    assert cli.main(["generate", "--out-dir", str(out), "--people", "400", "--claims", "130",
                     "--seed", "3", "-q"]) == 0
    ids_jsonl = [json.loads(line)["claim_id"] for line in (out / "claims.jsonl").read_text("utf-8").splitlines()]
    ids_csv = pl.read_csv(out / "claims.csv", infer_schema=False)["claim_id"].to_list()
    assert len(ids_jsonl) == 130 and ids_csv == ids_jsonl
    assert "the same claims in claims.jsonl and claims.csv" in capsys.readouterr().out


def test_generate_refuses_a_file_as_out_dir(tmp_path, capsys):
    f = tmp_path / "f.txt"
    f.write_text("x", "utf-8")
    assert cli.main(["generate", "--out-dir", str(f), "--people", "10"]) == 2
    assert "is a file, but a folder is needed" in capsys.readouterr().err
    assert main(["generate", "--out-dir", str(tmp_path / "g"), "--people", "0"]) == 2


def test_bundled_claims_csv_holds_the_same_claims_as_the_jsonl():
    jsonl = [json.loads(line) for line in (SAMPLES / "claims.jsonl").read_text("utf-8").splitlines()]
    csv_text = (SAMPLES / "claims.csv").read_text("utf-8")
    assert csv_text == synth.flatten_claims(jsonl).write_csv()
    assert pl.read_csv(SAMPLES / "claims.csv", infer_schema=False).height == len(jsonl) == 300


# ------------------------------------------------------------------------------------------ progress

def test_match_and_leads_report_progress_per_batch(built_index):
    claims = rc.read_claims(SAMPLES / "claims.jsonl")
    seen = []
    batches.match_in_batches(claims, built_index_obj(built_index), 2, "vi", lambda *a: seen.append(a))
    steps = [d for s, d, t in seen if s == "match"]
    assert steps[0] == 0 and steps[-1] == 300 and len(steps) >= 4
    assert steps == sorted(steps)
    seen.clear()
    batches.leads_in_batches(claims, built_index_obj(built_index), 10, "vi", lambda *a: seen.append(a))
    steps = [d for s, d, t in seen if s == "leads"]
    assert steps[0] == 0 and steps[-1] == 300 and len(steps) >= 3


_LOADED = {}


def built_index_obj(path):
    if path not in _LOADED:
        _LOADED[path] = rc.load_index(path)
    return _LOADED[path]


def test_batch_sizes_give_steps_on_small_and_large_inputs():
    assert batches.batch_size(300) == batches.MIN_BATCH
    assert batches.batch_size(3000) == 150
    assert batches.batch_size(1_000_000) == batches.MAX_BATCH


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class Stream:
    def __init__(self, tty=False):
        self.parts, self.tty = [], tty

    def write(self, text):
        self.parts.append(text)

    def flush(self):
        pass

    def isatty(self):
        return self.tty

    @property
    def lines(self):
        return "".join(self.parts).splitlines()


def test_reporter_in_a_log_prints_a_line_every_few_seconds_and_a_heartbeat():
    clock, stream = FakeClock(), Stream()
    rep = progress.Reporter(stream, every=5, clock=clock, heartbeat=False)
    rep("leads", 0, 3000)
    assert len(stream.lines) == 1                      # the start of a stage is announced
    clock.t = 2
    rep("leads", 150, 3000)
    assert len(stream.lines) == 1                      # not more than one line per 5 s
    clock.t = 6
    rep("leads", 300, 3000)
    assert stream.lines[-1].startswith("leads: 300/3,000 ( 10.0%, 6 s)")
    clock.t = 20                                       # a long batch without news
    assert rep.beat() is True
    assert stream.lines[-1].endswith("still working") and "20 s" in stream.lines[-1]
    rep("leads", 3000, 3000)
    assert stream.lines[-1].endswith("done")
    assert rep.beat() is False                         # nothing runs: the heartbeat stops
    assert not any("\r" in p for p in stream.parts)


def test_reporter_heartbeat_thread_writes_while_a_stage_is_silent():
    import time

    stream = Stream()
    with progress.Reporter(stream, every=0.05) as rep:
        rep("match", 0, 10)
        deadline = time.monotonic() + 10          # generous: the machine may be busy
        while not any(line.endswith("still working") for line in stream.lines):
            assert time.monotonic() < deadline, "no heartbeat line"
            time.sleep(0.02)
        rep("match", 10, 10)
    n = len(stream.lines)
    time.sleep(0.15)
    assert len(stream.lines) == n


def test_reporter_on_a_terminal_refreshes_one_line_and_quiet_prints_nothing():
    stream = Stream(tty=True)
    rep = progress.Reporter(stream)
    for done in (0, 50, 100):
        rep("match", done, 100)
    assert stream.parts[0].startswith("\rmatch: 0/100") and stream.parts[-1].endswith("\n")
    quiet = Stream()
    progress.Reporter(quiet, enabled=False)("match", 0, 100)
    assert quiet.parts == []


def test_cli_progress_goes_to_stderr_per_batch(built_index, tmp_path, capsys, monkeypatch):
    real = progress.Reporter

    class Chatty(real):
        def __init__(self, *a, **k):
            k["every"] = 0.0
            k["heartbeat"] = False
            super().__init__(*a, **k)

    monkeypatch.setattr(progress, "Reporter", Chatty)
    assert cli.main(["match", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                     "--top-k", "1", "--out", str(tmp_path / "c.csv")]) == 0
    err = capsys.readouterr().err
    match_lines = [ln for ln in err.splitlines() if ln.startswith("match: ")]
    assert len(match_lines) >= 4 and match_lines[-1].endswith("done")


def test_gitignore_keeps_demo_output_out_of_the_repository():
    assert "reconcile-demo/" in (ROOT / ".gitignore").read_text("utf-8").splitlines()
