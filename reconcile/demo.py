"""`reconcile demo`: the whole pipeline on the bundled synthetic sample data, in well under a minute.

Owns: finding the sample data (`data/samples/` of the checkout, or package data; regenerated
deterministically with `reconcile.synth` into the output folder when neither exists), running
index → match → leads → report, writing `candidates.csv`, `leads.csv`, `report.html` into the
folder given or, by default, a new temporary folder (printed first, so nothing lands in the current
folder), and printing a short summary (counts and timings only; never a person's data).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

# How data/samples/ was made (tests/test_synth.py checks the committed files against it).
SAMPLE_ARGS = dict(people=3000, claims=300, seed=2026)
SAMPLE_FILES = ("population.csv", "claims.jsonl")

_WORDS = {
    "vi": {
        "regen": "Không có dữ liệu mẫu kèm theo: tạo lại dữ liệu tổng hợp vào",
        "where": "Kết quả được ghi vào",
        "temp": "(thư mục tạm; chọn nơi khác bằng --out-dir)",
        "data": "Dữ liệu mẫu (tổng hợp, không phải người thật)",
        "people": "người trong CSDL",
        "claims": "lời khai",
        "likely": "có khả năng trùng khớp",
        "relatives": "cần xác minh qua người thân",
        "none": "chưa có đầu mối",
        "truth": "Đối chiếu với đáp án (truth.csv): trong {likely} lời khai 'có khả năng trùng khớp', {correct} đúng người, "
                 "{wrong} sai người ({absent_forced} là người không có trong CSDL).",
        "times": "Thời gian",
        "load": "đọc", "index": "lập chỉ mục", "match": "đối chiếu", "leads": "đầu mối", "report": "báo cáo",
        "total": "tổng",
        "open": "Mở báo cáo trong trình duyệt",
        "files": "Tệp kết quả",
    },
    "en": {
        "regen": "No bundled sample data: regenerating the synthetic samples into",
        "where": "Writing the results to",
        "temp": "(a temporary folder; choose another with --out-dir)",
        "data": "Sample data (synthetic, not real people)",
        "people": "people in the register",
        "claims": "claims",
        "likely": "likely match",
        "relatives": "verify through relatives",
        "none": "no lead yet",
        "truth": "Checked against the answers (truth.csv): of {likely} 'likely match' claims, {correct} name the right "
                 "person, {wrong} the wrong one ({absent_forced} of them are not in the register at all).",
        "times": "Timings",
        "load": "load", "index": "index", "match": "match", "leads": "leads", "report": "report",
        "total": "total",
        "open": "Open the report in a browser",
        "files": "Output files",
    },
}


@dataclass
class DemoResult:
    """What the demo wrote and measured (paths, counts by review pile, seconds per stage)."""

    out_dir: Path
    report: Path
    candidates: Path
    leads: Path
    samples: Path
    n_people: int
    n_claims: int
    counts: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    truth: dict[str, int] = field(default_factory=dict)


def find_samples() -> Path | None:
    """The bundled samples folder (package data first, then the checkout's `data/samples/`), or None."""
    here = Path(__file__).resolve().parent
    for cand in (here / "data" / "samples", here.parent / "data" / "samples"):
        if all((cand / f).is_file() for f in SAMPLE_FILES):
            return cand
    return None


def _ensure_samples(out_dir: Path, say, w: dict[str, str], progress=None) -> Path:
    found = find_samples()
    if found is not None:
        return found
    from reconcile import synth

    target = out_dir / "samples"
    say(f"{w['regen']} {target}")
    synth.write_dataset(target, parquet=False, progress=progress, **SAMPLE_ARGS)
    return target


def truth_check(matches: pl.DataFrame, status: pl.DataFrame, truth: pl.DataFrame) -> dict[str, int]:
    """Among claims put in the "likely" pile: how many name the right person, how many the wrong one,
    and how many of those are people who are not in the register at all (a forced match)."""
    likely = status.filter(pl.col("status") == "likely").select("claim_id")
    top = matches.filter(pl.col("rank") == 1).select("claim_id", pl.col("person_id").cast(pl.Utf8).alias("got"))
    t = truth.select(pl.col("claim_id").cast(pl.Utf8), pl.col("kind"),
                     pl.col("person_id").cast(pl.Utf8).alias("want"))
    j = likely.join(top, on="claim_id", how="left").join(t, on="claim_id", how="left")
    correct = j.filter(pl.col("got") == pl.col("want")).height
    return {"likely": j.height, "correct": correct, "wrong": j.height - correct,
            "absent_forced": j.filter(pl.col("kind") != "registered").height,
            "registered": t.filter(pl.col("kind") == "registered").height}


def run_demo(out_dir=None, lang: str = "vi", top_k: int = 5, quiet: bool = False,
             progress=None) -> DemoResult:
    """Run the whole pipeline on the sample data and write candidates.csv, leads.csv, report.html
    into `out_dir` (default: a new temporary folder, printed first). `progress`: a progress callback
    (`reconcile.progress`), called per stage and per batch of claims."""
    import reconcile as rc
    from reconcile.batches import leads_in_batches, match_in_batches
    from reconcile.io.write import write_frame
    from reconcile.progress import resolve

    report_mod = sys.modules["reconcile.report"]
    if lang not in _WORDS:
        raise ValueError(f"demo: unknown language {lang!r}; use 'vi' or 'en'")
    w = _WORDS[lang]

    def num(v: int) -> str:
        text = f"{v:,}"
        return text.replace(",", ".") if lang == "vi" else text

    def say(text: str = "") -> None:
        if not quiet:
            print(text)

    tick = resolve(progress)
    if out_dir is None:
        out = Path(tempfile.mkdtemp(prefix="reconcile-demo-"))
        say(f"{w['where']} {out} {w['temp']}")
    else:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        say(f"{w['where']} {out}")
    timings: dict[str, float] = {}
    t_all = time.perf_counter()

    t0 = time.perf_counter()
    samples = _ensure_samples(out, say, w, tick)
    with warnings.catch_warnings():
        # the samples carry deliberate data-quality problems; the report shows what matters
        warnings.simplefilter("ignore")
        pop = rc.read_population(samples / "population.csv")
        claims = rc.read_claims(samples / "claims.jsonl")
    timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    index = rc.build_index(pop, progress=tick)
    timings["index"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    matches = match_in_batches(claims, index, top_k, lang, tick)
    timings["match"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    leads = leads_in_batches(claims, index, max(top_k, 10), lang, tick)
    timings["leads"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    cand_path = write_frame(matches, out / "candidates.csv")
    leads_path = write_frame(leads, out / "leads.csv")
    report_path = rc.report(claims, index, out=out / "report.html", lang=lang, top_k=top_k,
                            matches=matches, leads=leads, progress=tick)
    timings["report"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_all

    status = report_mod.claim_status(claims, matches, leads)
    counts = {s: int((status["status"] == s).sum()) for s in report_mod.STATUSES}
    truth: dict[str, int] = {}
    if (samples / "truth.csv").is_file():
        truth = truth_check(matches, status, pl.read_csv(samples / "truth.csv", infer_schema=False))

    say(f"{w['data']}: {num(pop.height)} {w['people']}, {num(claims.height)} {w['claims']}.")
    say(f"  {counts['likely']:>4} {w['likely']}")
    say(f"  {counts['relatives']:>4} {w['relatives']}")
    say(f"  {counts['none']:>4} {w['none']}")
    if truth:
        say(w["truth"].format(**truth))
    say(f"{w['times']}: " + ", ".join(f"{w[k]} {v:.1f}s" for k, v in timings.items()).replace(".", "," if lang == "vi" else "."))
    say(f"{w['files']}: {cand_path}, {leads_path}")
    say(f"{w['open']}: {report_path.resolve()}")
    return DemoResult(out_dir=out, report=report_path, candidates=cand_path, leads=leads_path, samples=samples,
                      n_people=pop.height, n_claims=claims.height, counts=counts, timings=timings, truth=truth)


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - thin wrapper for `python -m`
    args = list(sys.argv[1:] if argv is None else argv)
    run_demo(out_dir=args[0] if args else None, lang=args[1] if len(args) > 1 else "vi")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["DemoResult", "SAMPLE_ARGS", "find_samples", "run_demo", "truth_check"]
