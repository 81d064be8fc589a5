"""Officer-readable evidence, in Vietnamese (default) or English, from the comparison registry.

Owns the rendering only; the words themselves live with each comparison's levels
(`reconcile.comparisons.default`). Two entry points:

- `evidence(levels, weights, values, registry, lang)` for the returned rows of a scored batch
  (numpy in, Python lists out): per row the `evidence` text (one line per comparison that weighs,
  joined with "; ") and `evidence_detail`, a list of `{field, level, weight, text, claimed, recorded,
  recorded_person_id}` (the engine fills the values; the report and the app read them). The text of
  one (comparison, level, values, language) is rendered once and cached on an `Explainer`.
- `with_evidence(df, fields, values, lang)`: the same words as whole-column polars expressions, for
  frames holding `lvl_<field>` / `w_<field>` columns.

Template placeholders: `{c}` the claim's value, `{p}` the register's value, `{n}` how many registered
people share the value, `{lo}` `{hi}` `{best}` the claimed birth-year interval, `{range}` that
interval as people write it ("1980", not "1980–1980"), `{L}` / `{l}` the comparison's label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from reconcile.comparisons import LANGS, Registry, default_registry

SEX_WORDS = {"vi": {"M": "nam", "F": "nữ"}, "en": {"M": "male", "F": "female"}}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
VALUE_KEYS = ("c", "p", "n", "lo", "hi", "best", "recorded_person_id")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} for explanations; use 'vi' (default) or 'en'")
    return lang


def field_labels(registry: Registry | None = None) -> dict[str, dict[str, str]]:
    """{lang: {comparison name: label}} from the registry."""
    registry = registry or default_registry()
    return {lang: {c.name: c.label[lang] for c in registry} for lang in LANGS}


FIELD_LABELS = field_labels()


def format_weight(w: float) -> str:
    """'+3.1' / '−1.2' / '0.0' (one decimal, a real minus sign)."""
    r = round(float(w), 1)
    if r > 0:
        return f"+{r:.1f}"
    if r < 0:
        return f"−{-r:.1f}"
    return "0.0"


def year_range(lo, hi, best=None) -> str:
    """A claimed birth-year interval as people write it: one year when lo == hi."""
    def ok(x):
        return x is not None and x != "" and not (isinstance(x, (int, np.integer)) and x <= 0)
    if ok(lo) and ok(hi):
        return f"{lo}" if str(lo) == str(hi) else f"{lo}–{hi}"
    if ok(best):
        return f"{best}"
    return "?"


def _fill(template: str, values: Mapping[str, object]) -> str:
    def rep(m):
        v = values.get(m.group(1))
        return "?" if v is None or v == "" else str(v)
    return _PLACEHOLDER.sub(rep, template)


_UNSET = object()       # a level whose words plan is not read yet


@dataclass
class Explainer:
    """Renders evidence lines for one registry and language; caches text per (comparison, level,
    values). One per `Matcher` (or per call); no global state."""

    registry: Registry = field(default_factory=default_registry)
    lang: str = "vi"
    _cache: dict = field(default_factory=dict, repr=False)
    _tables: list | None = field(default=None, repr=False)     # per comparison: (name, plans, level names)

    def __post_init__(self):
        check_lang(self.lang)

    def text(self, comparison: str, level: int, values: Mapping[str, object] | None = None) -> str | None:
        """The sentence for `level` of `comparison` (no weight), or None when the level has none."""
        values = values or {}
        key = (comparison, int(level), tuple((k, values.get(k)) for k in VALUE_KEYS))
        hit = self._cache.get(key)
        if hit is not None or key in self._cache:
            return hit
        cmp = self.registry[comparison]
        lv = cmp.levels[int(level)]
        tmpl = lv.template[self.lang]
        if not tmpl:
            out = None
        else:
            label = cmp.label[self.lang]
            vals = {k: values.get(k) for k in VALUE_KEYS}
            if comparison == "sex":           # registers write M/F; officers read nam/nữ
                words_ = SEX_WORDS[self.lang]
                vals = {k: words_.get(v, v) if isinstance(v, str) else v for k, v in vals.items()}
            vals.update(L=label, l=label.lower(),
                        range=year_range(values.get("lo"), values.get("hi"), values.get("best")))
            out = _fill(tmpl, vals)
        self._cache[key] = out
        return out

    def _columns(self, levels: np.ndarray, weights: np.ndarray):
        """Per registered comparison: its name, the rows' level codes and weights as lists, the words
        plan of each level and the level names, both indexable by level code (what `rows` and
        `frame` both iterate on)."""
        tables = self._tables
        if tables is None:
            tables = self._tables = [(name, [_UNSET] * len(self.registry[name].levels),
                                      [lv.name for lv in self.registry[name].levels])
                                     for name in self.registry.names]
        for (name, plans, level_names), col, wcol in zip(tables, levels.T.tolist(), weights.T.tolist()):
            for code in set(col):                       # plans of the levels present, on first sight
                if plans[code] is _UNSET:
                    plans[code] = self._plan(name, code)
            yield name, col, wcol, plans, level_names

    def _plan(self, comparison: str, level: int) -> tuple[str, ...] | None:
        """The value keys the words of (comparison, level) read, or None when the level has no
        words: two cells with the same level and the same values at those keys read the same."""
        key = ("plan", comparison, level)
        if key in self._cache:
            return self._cache[key]
        tmpl = self.registry[comparison].levels[level].template[self.lang]
        if not tmpl:
            out = None
        else:
            used = set(_PLACEHOLDER.findall(tmpl))
            if "range" in used:
                used |= {"lo", "hi", "best"}
            out = tuple(k for k in VALUE_KEYS if k in used)
        self._cache[key] = out
        return out

    def _compiled(self, comparison: str, level: int) -> tuple[list[str], list[str]]:
        """The template of (comparison, level) split into literal parts and placeholder names
        (`parts[0] names[0] parts[1] …`), for rendering many value sets without a regex each."""
        key = ("compiled", comparison, level)
        hit = self._cache.get(key)
        if hit is None:
            bits = _PLACEHOLDER.split(self.registry[comparison].levels[level].template[self.lang])
            hit = self._cache[key] = (bits[0::2], bits[1::2])
        return hit

    def _render(self, comparison: str, level: int, cols: Mapping[str, Sequence], r: int) -> str:
        """`text(comparison, level, {k: cols[k][r]})` for a level that has words, without building
        the value dict: the same placeholders, "?" for missing values, sex words, year range."""
        parts, names = self._compiled(comparison, level)
        label = self.registry[comparison].label[self.lang]
        sex = SEX_WORDS[self.lang] if comparison == "sex" else None
        out = [parts[0]]
        for name, lit in zip(names, parts[1:]):
            if name in cols:
                v = cols[name][r]
                if sex is not None and isinstance(v, str):
                    v = sex.get(v, v)
            elif name == "L":
                v = label
            elif name == "l":
                v = label.lower()
            elif name == "range":
                v = year_range(cols["lo"][r], cols["hi"][r], cols["best"][r])
            else:
                v = None
            out.append("?" if v is None or v == "" else str(v))
            out.append(lit)
        return "".join(out)

    def rows(self, levels: np.ndarray, weights: np.ndarray,
             values: Sequence[Mapping[str, Mapping[str, object]]] | None = None
             ) -> tuple[list[str], list[list[dict]]]:
        """(`evidence`, `evidence_detail`) for each row of `levels`/`weights` ([r, k], registry
        column order); `values[row][comparison]` holds the placeholders and `recorded_person_id`.
        A comparison gives a line when its level is not neutral (it weighs) or when its neutral level
        has words (e.g. "no father recorded, not counted"). Rendered a comparison at a time: the
        words once per (level, values it reads), the weight once per distinct weight."""
        levels = np.asarray(levels)
        weights = np.asarray(weights)
        n = levels.shape[0]
        lines: list[list[str]] = [[] for _ in range(n)]
        details: list[list[dict]] = [[] for _ in range(n)]
        empty: dict = {}
        for name, col, wcol, plans, level_names in self._columns(levels, weights):
            words: dict = {}
            wtext: dict = {}
            for r in range(n):
                code = col[r]
                plan = plans[code]
                if plan is None:
                    continue
                v = (values[r].get(name, empty) if values is not None and values[r] else empty)
                key = (code, tuple([v.get(k) for k in plan]))
                t = words.get(key)
                if t is None:
                    t = words[key] = self.text(name, code, v)
                w = wcol[r]
                wt = wtext.get(w)
                if wt is None:
                    wt = wtext[w] = (format_weight(w), round(w, 2))
                line = f"{t} {wt[0]}"
                lines[r].append(line)
                details[r].append({"field": name, "level": level_names[code], "weight": wt[1],
                                   "text": line, "claimed": _s(v.get("c")), "recorded": _s(v.get("p")),
                                   "recorded_person_id": _s(v.get("recorded_person_id"))})
        return ["; ".join(x) for x in lines], details


    def _entries(self, levels: np.ndarray, weights: np.ndarray,
                 values: Mapping[str, Mapping[str, Sequence]] | None) -> tuple[list, ...]:
        """The evidence entries of the rows as flat lists, comparison by comparison (rows ascending
        within one): `(row, field, level, weight, text, claimed, recorded, recorded_person_id)`.
        `values` is columnar: `values[comparison][key]` a sequence over the rows."""
        levels = np.asarray(levels)
        weights = np.asarray(weights)
        n = levels.shape[0]
        empty: dict = {}
        row_: list[int] = []
        field_: list[str] = []
        level_: list[str] = []
        weight_: list[float] = []
        text_: list[str] = []
        c_: list = []
        p_: list = []
        rp_: list = []
        none = [None] * n
        for name, col, wcol, plans, level_names in self._columns(levels, weights):
            words: dict = {}
            wtext: dict = {}
            vc = values.get(name, empty) if values is not None else empty
            cols = {k: vc.get(k, none) for k in VALUE_KEYS}
            cc, pc, rpc = cols["c"], cols["p"], cols["recorded_person_id"]
            for r in range(n):
                code = col[r]
                plan = plans[code]
                if plan is None:
                    continue
                key = (code, tuple([cols[k][r] for k in plan]))
                t = words.get(key)
                if t is None:
                    t = words[key] = self._render(name, code, cols, r)
                w = wcol[r]
                wt = wtext.get(w)
                if wt is None:
                    wt = wtext[w] = (format_weight(w), round(w, 2))
                row_.append(r)
                field_.append(name)
                level_.append(level_names[code])
                weight_.append(wt[1])
                text_.append(f"{t} {wt[0]}")
                c_.append(_s(cc[r]))
                p_.append(_s(pc[r]))
                rp_.append(_s(rpc[r]))
        return row_, field_, level_, weight_, text_, c_, p_, rp_

    def frame(self, levels: np.ndarray, weights: np.ndarray,
              values: Mapping[str, Mapping[str, Sequence]] | None = None) -> pl.DataFrame:
        """`rows` as a frame of `evidence` (Utf8) and `evidence_detail` (`DETAIL_DTYPE`), one row per
        input row, for batches. `values` is columnar: `values[comparison][key]` a sequence over the
        rows. The entries are built as flat columns and grouped by row in polars (no dict per entry,
        no nested conversion). Same words and values as `rows` given the same values per row."""
        n = np.asarray(levels).shape[0]
        row_, *rest = self._entries(levels, weights, values)
        inner = DETAIL_DTYPE.inner
        fields = [f.name for f in inner.fields]
        flat = pl.DataFrame({"_row": np.asarray(row_, dtype=np.int64), **dict(zip(fields, rest))},
                            schema={"_row": pl.Int64, **{f.name: f.dtype for f in inner.fields}})
        per_row = (flat.sort("_row", maintain_order=True)          # stable: registry order in a row
               .group_by("_row", maintain_order=True)
               .agg(pl.col("text").str.join("; ").alias("evidence"),
                    pl.struct(fields).alias("evidence_detail")))
        out = pl.DataFrame({"_row": np.arange(n, dtype=np.int64)}).join(
            per_row, on="_row", how="left", maintain_order="left")
        return out.select(pl.col("evidence").fill_null(""),
                          pl.col("evidence_detail").fill_null(pl.lit([], dtype=DETAIL_DTYPE))
                          .cast(DETAIL_DTYPE))

    def nested(self, levels: np.ndarray, weights: np.ndarray,
               values: Mapping[str, Mapping[str, Sequence]] | None = None) -> tuple[list[str], pl.Series]:
        """(`evidence` texts, `evidence_detail` Series) of a few rows (one claim's answer), same
        words and values as `frame` without a polars query: the entries are reordered row by row in
        Python, made one struct column, and each row's list is a slice of it (a nested conversion of
        dicts costs a struct build per row)."""
        n = np.asarray(levels).shape[0]
        row_, *rest = self._entries(levels, weights, values)
        if n == 0:
            return [], pl.Series("evidence_detail", [], dtype=DETAIL_DTYPE)
        order = sorted(range(len(row_)), key=row_.__getitem__)     # stable: registry order in a row
        counts = [0] * n
        for r in row_:
            counts[r] += 1
        inner = DETAIL_DTYPE.inner
        flat = pl.DataFrame({f.name: [col[i] for i in order] for f, col in zip(inner.fields, rest)},
                            schema={f.name: f.dtype for f in inner.fields}).to_struct("evidence_detail")
        text = [rest[3][i] for i in order]
        evidence_, parts = [], []
        a = 0
        for k in counts:
            evidence_.append("; ".join(text[a:a + k]))
            parts.append(flat.slice(a, k))
            a += k
        return evidence_, pl.Series("evidence_detail", parts)


def _s(v) -> str | None:
    return None if v is None or v == "" else str(v)


def evidence(levels: np.ndarray, weights: np.ndarray,
             values: Sequence[Mapping[str, Mapping[str, object]]] | None = None,
             registry: Registry | None = None, lang: str = "vi") -> tuple[list[str], list[list[dict]]]:
    """`Explainer(registry, lang).rows(levels, weights, values)`."""
    return Explainer(registry or default_registry(), lang).rows(levels, weights, values)


DETAIL_DTYPE = pl.List(pl.Struct({"field": pl.Utf8, "level": pl.Utf8, "weight": pl.Float64,
                                  "text": pl.Utf8, "claimed": pl.Utf8, "recorded": pl.Utf8,
                                  "recorded_person_id": pl.Utf8}))


# ------------------------------------------------------------------------------------------------
# whole-column form (frames with lvl_<field> / w_<field>)
# ------------------------------------------------------------------------------------------------

def weight_text(w: pl.Expr) -> pl.Expr:
    """'+3.1' / '−1.2' / '0.0' from a Float weight expression (one decimal)."""
    r = w.round(1)
    return (pl.when(r > 0).then(pl.lit("+") + r.cast(pl.Utf8))
            .when(r < 0).then(pl.lit("−") + (-r).cast(pl.Utf8))
            .otherwise(pl.lit("0.0")))


def render(template: str, values: dict[str, pl.Expr]) -> pl.Expr:
    """A polars expression filling `template`'s {placeholders} from `values` (null → '?')."""
    names = _PLACEHOLDER.findall(template)
    fmt = _PLACEHOLDER.sub("{}", template)
    if not names:
        return pl.lit(template)
    args = [values[n].cast(pl.Utf8).fill_null("?") if n in values else pl.lit("?") for n in names]
    return pl.format(fmt, *args)


def _range_expr(values: dict[str, pl.Expr]) -> pl.Expr:
    lo, hi, best = values.get("lo"), values.get("hi"), values.get("best")
    if lo is None or hi is None:
        return best.cast(pl.Utf8) if best is not None else pl.lit("?")
    one = lo.cast(pl.Utf8)
    two = pl.format("{}–{}", lo, hi)
    e = pl.when(lo.is_not_null() & (lo == hi)).then(one).when(lo.is_not_null()).then(two)
    return e.otherwise(best.cast(pl.Utf8) if best is not None else pl.lit("?"))


def field_text(field: str, level_names: tuple[str, ...], lvl: pl.Expr, w: pl.Expr,
               values: dict[str, pl.Expr], lang: str, registry: Registry | None = None) -> pl.Expr:
    """One evidence line for a comparison ('…' + ' +2.0'), null for levels without words."""
    check_lang(lang)
    registry = registry or default_registry()
    cmp = registry[field]
    label = cmp.label[lang]
    vals = dict(values)
    vals.setdefault("L", pl.lit(label))
    vals.setdefault("l", pl.lit(label.lower()))
    vals.setdefault("range", _range_expr(values))
    expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.Utf8))
    for i, name in enumerate(level_names):
        if name in cmp.level_names and cmp.level(name).template[lang]:
            expr = expr.when(lvl == i).then(render(cmp.level(name).template[lang], vals))
    text = expr.otherwise(pl.lit(None, dtype=pl.Utf8))
    return pl.when(text.is_not_null()).then(text + pl.lit(" ") + weight_text(w))


def with_evidence(df: pl.DataFrame, fields: list[tuple[str, tuple[str, ...]]],
                  values: dict[str, dict[str, pl.Expr]], lang: str = "vi",
                  registry: Registry | None = None) -> pl.DataFrame:
    """`df` with `evidence` (Utf8) and `evidence_detail` (List[Struct{field, level, weight, text}]) from
    its `lvl_<field>` / `w_<field>` columns. `fields`: (name, level names) in display order."""
    check_lang(lang)
    registry = registry or default_registry()
    fields = [(name, levels) for name, levels in fields if name in registry]
    tmp = [f"_ev_{name}" for name, _ in fields]
    df = df.with_columns(
        field_text(name, levels, pl.col(f"lvl_{name}"), pl.col(f"w_{name}"), values.get(name, {}), lang,
                   registry).alias(t) for (name, levels), t in zip(fields, tmp))
    structs = [pl.struct(
        pl.lit(name).alias("field"),
        pl.col(f"lvl_{name}").cast(pl.Int64).replace_strict(list(range(len(levels))), list(levels),
                                                            default=None, return_dtype=pl.Utf8)
        .alias("level"),
        pl.col(f"w_{name}").cast(pl.Float64).round(2).alias("weight"), pl.col(t).alias("text"))
        for (name, levels), t in zip(fields, tmp)]
    evidence_ = pl.concat_list([pl.col(t) for t in tmp]).list.drop_nulls().list.join("; ").alias("evidence")
    detail = (pl.concat_list(structs)
              .list.eval(pl.element().filter(pl.element().struct.field("text").is_not_null()))
              .alias("evidence_detail"))
    return df.with_columns(evidence_, detail).drop(tmp)
