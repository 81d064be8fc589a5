"""`build_index`: read and validate a register, featurise each distinct value once with polars, and
encode everything the engine reads into arrays (docs/ENGINE_V3.md): codes per vocabulary, birth
year and zodiac mask, place bit masks, term frequencies, relatives in CSR form and the blocking
postings. The featurised frames (`people`, `kin_edges`, `kin_names`) are kept for the frame-based
consumers (`leads`, `report`, `train`).
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import polars as pl

from reconcile._version import __version__
from reconcile import progress as _progress
from reconcile.errors import ReconcileInputError
from reconcile.index import codes as _codes
from reconcile.index.arrays import (RELATION_CODE, SOURCE_CODE, TF_VOCABS, Display, PersonArrays,
                                    Relatives, parents, person_array_names)
from reconcile.index.vocab import Vocab

# display strings, gathered by position for returned rows only (birth year: `arrays["by"]`)
DISPLAY_COLUMNS = ("person_id", "full_name", "sex", "household_id", "relation_to_head", "hometown",
                   "residence", "ethnicity")
# legacy term-frequency columns of the people frame: (vocabulary, column suffix)
_TF_COLUMNS = (("fam_key", "fam"), ("giv_key", "giv"), ("fold", "full"), ("addr", "addr"))


def _is_canonical(df) -> bool:
    return isinstance(df, pl.DataFrame) and "_row" in df.columns and "birth_year" in df.columns


def _read_population(population, columns, errors) -> pl.DataFrame:
    """A frame from `io.read_population` is used as is; anything else goes through it (with the
    `errors` policy when one is given)."""
    if _is_canonical(population) and not columns and errors is None:
        return population
    from reconcile.io import read_population

    kw = {} if errors is None else {"errors": errors}
    return read_population(population, columns=columns, **kw)


def people_frame(pop: pl.DataFrame) -> pl.DataFrame:
    """The featurised people frame: canonical columns, `pidx`, `p_` name/place/date features."""
    from reconcile.vn.dates import possible_branches_expr
    from reconcile.vn.places import place_features

    for c, t in (("birth_month", pl.Int8), ("birth_day", pl.Int8), ("hometown", pl.Utf8),
                 ("residence", pl.Utf8), ("ethnicity", pl.Utf8), ("sex", pl.Utf8),
                 ("household_id", pl.Utf8), ("relation_to_head", pl.Utf8)):
        if c not in pop.columns:
            pop = pop.with_columns(pl.lit(None, dtype=t).alias(c))
    people = pop.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("pidx"))
    people = _codes.name_frame(people, "full_name", "ethnicity", "p_")
    people = people.with_columns(
        pl.col("sex").alias("p_sex"), pl.col("ethnicity").alias("p_ethnicity"),
        pl.col("birth_year").cast(pl.Int32).alias("p_birth_year"),
        possible_branches_expr("birth_year", "birth_month", "birth_day").cast(pl.List(pl.Int8))
        .alias("p_zodiac_branches"))
    people = place_features(people, "hometown", prefix="p_home_")
    people = place_features(people, "residence", prefix="p_res_")
    people = _codes.village_frame(people, "residence", "p_res_")
    return people.with_columns(_codes.place_text_expr("hometown", "p_home_"),
                               _codes.place_text_expr("residence", "p_res_"))


def _vocabs(people: pl.DataFrame, names: pl.DataFrame) -> dict[str, Vocab]:
    cols = _codes.vocab_columns(people, "p_")
    for voc, series in _codes.vocab_columns(names, "r_").items():
        cols.setdefault(voc, []).extend(series)
    vocabs = {voc: Vocab.from_values(voc, *series) for voc, series in cols.items()}
    vocabs["eth"] = Vocab.from_values("eth", people.get_column("ethnicity"))
    vocabs["district"] = Vocab.from_values("district", people.get_column("p_home_district"),
                                           people.get_column("p_res_district"))
    vocabs["commune"] = Vocab.from_values("commune", people.get_column("p_home_commune"),
                                          people.get_column("p_res_commune"))
    vocabs["household"] = Vocab.from_values("household", people.get_column("household_id"))
    vocabs["place_text"] = Vocab.from_values("place_text", people.get_column("p_home_text"),
                                             people.get_column("p_res_text"))
    vocabs["village"] = Vocab.from_values("village", people.get_column("p_res_village"))
    vocabs["rel_name"] = Vocab("rel_name", names.get_column("name"))
    return vocabs


def _person_columns(people: pl.DataFrame, vocabs: dict[str, Vocab], units_now, units_prov
                    ) -> dict[str, np.ndarray]:
    from reconcile.index.codes import sex_codes, zodiac_masks

    cols = _codes.encode_names(people, "p_", vocabs)
    cols["sex"] = sex_codes(people.get_column("sex"))
    cols["eth"] = vocabs["eth"].codes(people.get_column("ethnicity")).astype(np.int16)
    cols["by"] = people.get_column("birth_year").fill_null(0).cast(pl.Int16).to_numpy()
    cols["bm"] = people.get_column("birth_month").fill_null(0).cast(pl.Int8).to_numpy()
    cols["bd"] = people.get_column("birth_day").fill_null(0).cast(pl.Int8).to_numpy()
    cols["zmask"] = zodiac_masks(people.get_column("p_zodiac_branches"))
    for side in ("home", "res"):
        cols.update(_codes.encode_places(people, f"p_{side}_", side, vocabs, units_now, units_prov))
    cols["household"] = vocabs["household"].codes(people.get_column("household_id"))
    assert set(cols) == set(person_array_names()), sorted(set(cols) ^ set(person_array_names()))
    return cols


def _relatives(kin: pl.DataFrame, names: pl.DataFrame, n_people: int, vocabs: dict[str, Vocab],
               tf_fold: np.ndarray) -> Relatives:
    """Relatives in CSR form from the `person_relatives` rows (sorted by pidx)."""
    kin = kin.sort("pidx", maintain_order=True)
    pidx = kin.get_column("pidx").cast(pl.Int64).to_numpy()
    offsets = np.zeros(n_people + 1, dtype=np.int64)
    np.cumsum(np.bincount(pidx, minlength=n_people), out=offsets[1:])
    rn = _codes.encode_names(names, "r_", vocabs)
    fold = rn["fold"]
    rn["tf"] = np.where(fold >= 0, tf_fold[np.maximum(fold, 0)], 0).astype(np.uint32)
    relation = kin.get_column("relation").cast(pl.Utf8).replace_strict(
        RELATION_CODE, return_dtype=pl.UInt8).to_numpy()
    name = vocabs["rel_name"].codes(kin.get_column("name"))
    rel_pidx = kin.get_column("rel_pidx").cast(pl.Int32).fill_null(-1).to_numpy()
    father, mother = parents(offsets, relation, name, rel_pidx, fold)
    return Relatives(
        offsets=offsets, relation=relation, name=name,
        by=kin.get_column("birth_year").fill_null(0).cast(pl.Int16).to_numpy(),
        pidx=rel_pidx, father=father, mother=mother,
        conf=kin.get_column("confidence").fill_null(0.0).cast(pl.Float32).to_numpy(),
        source=kin.get_column("source").cast(pl.Utf8)
        .replace_strict(SOURCE_CODE, default=0, return_dtype=pl.UInt8).to_numpy(),
        names=rn)


def _legacy_tf(people: pl.DataFrame, arrays_cols: dict, tf: dict) -> pl.DataFrame:
    """`p_tf_fam p_tf_giv p_tf_full p_tf_addr` on the people frame (frame consumers read them)."""
    out = []
    for voc, short in _TF_COLUMNS:
        c = arrays_cols[voc]
        out.append(pl.Series(f"p_tf_{short}", np.where(c >= 0, tf[voc][np.maximum(c, 0)], 0)
                             .astype(np.uint32)))
    return people.with_columns(out)


def build_index(population, columns: dict | None = None, progress=None, *, errors: str | None = None):
    """Read/validate `population` (frame or path) and build the array index (format 3).

    `errors` ("raise", "skip", "coerce") is passed to `io.read_population` when given."""
    from reconcile.blocking.postings import build_postings
    from reconcile.index import Index
    from reconcile.kinship import person_relatives

    say = _progress.resolve(progress)
    steps = 6
    say("index", 0, steps)
    pop = _read_population(population, columns, errors)
    if pop.height == 0:
        raise ReconcileInputError("the population table has no rows",
                                  hint="check the file; an index needs at least one person")
    people = people_frame(pop)
    say("index", 1, steps)
    kin = person_relatives(people).with_columns(
        pl.col("pidx").cast(pl.UInt32), pl.col("rel_pidx").cast(pl.UInt32),
        pl.col("birth_year").cast(pl.Int16), pl.col("relation").cast(pl.Utf8),
        pl.col("source").cast(pl.Utf8))
    say("index", 2, steps)
    names = kin.select("name").drop_nulls().unique().sort("name")
    names = _codes.name_frame(names, "name", None, "r_")
    units_now, units_prov = _codes.place_units()
    vocabs = _vocabs(people, names)
    cols = _person_columns(people, vocabs, units_now, units_prov)
    tf = {v: np.bincount(cols[v][cols[v] >= 0], minlength=len(vocabs[v])).astype(np.uint32)
          for v in TF_VOCABS}
    # place text: how many people have it as hometown or residence text
    texts = np.concatenate([cols["home_text"], cols["res_text"]])
    tf["place_text"] = np.bincount(texts[texts >= 0], minlength=len(vocabs["place_text"])).astype(np.uint32)
    say("index", 3, steps)
    rel = _relatives(kin, names, people.height, vocabs, tf["fold"])
    arrays = PersonArrays(cols=cols, tf=tf, rel=rel, units_now=units_now, units_prov=units_prov)
    postings = build_postings(arrays, vocabs["fold"].take(np.arange(len(vocabs["fold"]))))
    say("index", 4, steps)
    people = _legacy_tf(people, cols, tf)
    names_legacy = names.with_row_index("name_id")
    kin_edges = kin.join(names_legacy.select("name", "name_id"), on="name", how="left",
                         maintain_order="left").select(
        "pidx", "relation", "name_id", "birth_year", "rel_pidx", "confidence", "source")
    display = Display.from_frame(people.select(*DISPLAY_COLUMNS), cols["by"])
    manifest = {
        "format": "reconcile-index", "format_version": 3, "library_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "n_people": people.height,
        "rows": {"people": people.height, "relatives": rel.n_edges, "rel_names": names.height},
    }
    say("index", steps, steps)
    return Index(arrays=arrays, vocabs=vocabs, postings=postings, display=display, params={},
                 manifest=manifest, frames={"people": people, "kin_edges": kin_edges,
                                            "kin_names": names_legacy})
