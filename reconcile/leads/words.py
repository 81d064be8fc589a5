"""Reasons an officer can act on, Vietnamese and English, for the returned leads only: who to contact,
where, how they may relate to the claimant, and what agreed (comparison labels from the registry).
Display strings are gathered by position for the returned rows only."""

from __future__ import annotations

import numpy as np
import polars as pl

REL = {"vi": {"father": "cha", "mother": "mẹ", "spouse": "vợ/chồng", "child": "con", "sibling": "anh/chị/em",
              "grandparent": "ông/bà", "grandchild": "cháu"},
       "en": {"father": "father", "mother": "mother", "spouse": "spouse", "child": "child",
              "sibling": "sibling", "grandparent": "grandparent", "grandchild": "grandchild"}}
SIBLING = {"vi": {"M": "anh/em trai", "F": "chị/em gái"}, "en": {"M": "brother", "F": "sister"}}
HONORIFIC = {"vi": {"M": "ông ", "F": "bà "}, "en": {"M": "Mr ", "F": "Ms "}}
RESIDENCE = {"vi": "nơi thường trú", "en": "the residence"}
T = {
    "vi": {
        "self": "Có thể chính là người đã đăng ký: {who}, sinh {by} (hộ {hh}); xác minh tại công an {place} "
                "(khớp: {agree}).",
        "self_sibling": "Liên hệ công an {place}: {who}, sinh {by}, có thể là anh/chị/em ruột của người khai "
                        "(cùng cha mẹ như lời khai nhưng tên khác; khớp: {agree}).",
        "relative": "Liên hệ công an {place}: {who}, sinh {by}, có thể là {relw} của người khai "
                    "(khai là {claimed}; khớp: {agree}{link}).",
        "link": "; dữ liệu dân cư ghi {links} như lời khai",
        "named": "Liên hệ công an {place}: {who}, sinh {by}, có thể là {relw} của người khai (hồ sơ của người "
                 "này ghi {written_as} là {written}, trùng tên người khai; {k} hồ sơ như vậy).",
        "family": "Liên hệ công an {place}: {who}, sinh {by}, có thể là {relw} của người khai (dữ liệu dân cư "
                  "ghi là {krw} của {lead}, {via}).",
        "via_self": "người có thể chính là người khai",
        "via_rel": "người có thể là {relw} của người khai",
        "household": "Hỏi hộ {hh} tại {place}: có {members}; hộ này có thể biết người khai.",
        "address_household": "Hỏi hộ {hh} tại {place}: {adult} cùng họ, đủ tuổi làm cha/mẹ người khai, sống ở "
                             "nơi người khai nêu; người khai có thể là con chưa đăng ký của hộ này ({k} hộ như vậy).",
        "place": "Đề nghị công an {place} xác minh{n}{said}.",
        "place_n": " ({n} đầu mối ở đây)",
        "place_said": "; người khai gọi là \"{said}\"",
        "none": "không",
    },
    "en": {
        "self": "May be the registered person {who}, born {by} (household {hh}); verify with the police of "
                "{place} (agreeing: {agree}).",
        "self_sibling": "Contact the police of {place}: {who}, born {by}, may be the claimant's sibling "
                        "(same parents as claimed but a different given name; agreeing: {agree}).",
        "relative": "Contact the police of {place}: {who}, born {by}, may be the claimant's {relw} "
                    "(claimed as {claimed}; agreeing: {agree}{link}).",
        "link": "; the register records {links} as claimed",
        "named": "Contact the police of {place}: {who}, born {by}, may be the claimant's {relw} (their record "
                 "names their {written_as} as {written}, the claimant's name; {k} such records).",
        "family": "Contact the police of {place}: {who}, born {by}, may be the claimant's {relw} (the register "
                  "records them as the {krw} of {lead}, {via}).",
        "via_self": "who may be the claimant",
        "via_rel": "who may be the claimant's {relw}",
        "household": "Ask household {hh} in {place}: it holds {members}; it may know the claimant.",
        "address_household": "Ask household {hh} in {place}: {adult} has the claimant's surname, is old enough "
                             "to be a parent and lives where the claimant says; the claimant may be an "
                             "unregistered child of this household ({k} such households).",
        "place": "Ask the police of {place} to verify{n}{said}.",
        "place_n": " ({n} lead(s) there)",
        "place_said": "; the claimant called it \"{said}\"",
        "none": "none",
    },
}


def rel_word(relation: str | None, sex: str | None, lang: str) -> str:
    if relation == "sibling" and sex in SIBLING[lang]:
        return SIBLING[lang][sex]
    return REL[lang].get(relation or "", "người thân" if lang == "vi" else "relative")


class Display:
    """Display strings of the people the returned leads name, gathered once by position (only the
    columns the reasons use)."""

    COLUMNS = ("person_id", "full_name", "sex", "household_id")

    def __init__(self, index, pidx):
        u = np.unique(np.asarray([p for p in pidx if p is not None and p >= 0], dtype=np.int64))
        self.pos = {int(p): i for i, p in enumerate(u.tolist())}
        self.cols = {c: index.display.cols[c].take(u) for c in self.COLUMNS}
        by = np.asarray(index.arrays.cols["by"])[u].tolist() if u.size else []
        self.cols["birth_year"] = [y or None for y in by]

    def get(self, pidx, col):
        i = self.pos.get(int(pidx)) if pidx is not None else None
        return None if i is None else self.cols[col][i]


def reasons(rows: pl.DataFrame, index, registry, lang: str) -> pl.DataFrame:
    """Adds `person_id`, `full_name`, `household_id` and `reason` to the ranked lead rows."""
    pid, name, hhs, reason = reason_columns(rows.to_dicts(), index, registry, lang)
    return rows.with_columns(pl.Series("person_id", pid, dtype=pl.Utf8), pl.Series("full_name", name, dtype=pl.Utf8),
                             pl.Series("household_id", hhs, dtype=pl.Utf8), pl.Series("reason", reason, dtype=pl.Utf8))


def reason_columns(recs: list[dict], index, registry, lang: str) -> tuple[list, list, list, list]:
    """(person_id, full_name, household_id, reason) of ranked lead rows given as row dicts (a
    column missing from a row reads as null: the place rows of one claim carry only theirs)."""
    t = T[lang]
    recs = [_Row(r) for r in recs]
    want = []
    for r in recs:
        want += [r["pidx"], r["via_pidx"]]
        if r["kind"] == "household" and r["recorded"]:
            want += [int(x) for x in r["recorded"].split(",")]
    disp = Display(index, want)
    hh_voc = index.vocabs["household"]
    labels = {c.name: c.label[lang].lower() for c in registry}
    pid, name, hhs, reason = [], [], [], []
    for r in recs:
        p = r["pidx"]
        sex = disp.get(p, "sex")
        who = f"{HONORIFIC[lang].get(sex, '')}{disp.get(p, 'full_name') or ''}"
        by = disp.get(p, "birth_year") or "?"
        place = r["place"] or RESIDENCE[lang]
        hh = disp.get(p, "household_id") if p is not None else (hh_voc.string(r["hh"]) if r["hh"] is not None else None)
        agree = ", ".join(labels.get(x, x) for x in (r["agree"] or "").split(",") if x) or t["none"]
        src = r["source"]
        if src == "self":
            s = t["self"].format(who=who, by=by, hh=hh or "?", place=place, agree=agree)
        elif src == "self_sibling":
            s = t["self_sibling"].format(who=who, by=by, place=place, agree=agree)
        elif src == "relative":
            links = [f"{rel_word(x.split(chr(9))[0], None, lang)} {x.split(chr(9))[1]}"
                     for x in (r["recorded"] or "").split("|") if x]
            link = t["link"].format(links=", ".join(links)) if links else ""
            s = t["relative"].format(who=who, by=by, place=place, relw=rel_word(r["relation"], sex, lang),
                                     claimed=r["claimed"], agree=agree, link=link)
        elif src == "named":
            rec = [x.split("\t") for x in (r["recorded"] or "").split("|") if x]
            written_as, written = (rec[0] if rec else ("father" if r["relation"] == "child" else "spouse",
                                                       r["claimed"]))
            s = t["named"].format(who=who, by=by, place=place, relw=rel_word(r["relation"], sex, lang),
                                  written_as=rel_word(written_as, None, lang), written=written, k=r["k"])
        elif src == "family":
            lead = disp.get(r["via_pidx"], "full_name") or "?"
            via = t["via_self"] if r["via"] == "self" else t["via_rel"].format(relw=rel_word(r["via"], None, lang))
            s = t["family"].format(who=who, by=by, place=place, relw=rel_word(r["relation"], sex, lang),
                                   krw=rel_word(r["kr"], sex, lang), lead=lead, via=via)
        elif src == "household":
            ids = [int(x) for x in (r["recorded"] or "").split(",") if x]
            rels = (r["via"] or "").split(",")
            members = ", ".join(f"{disp.get(q, 'full_name')} ({rel_word(rr or None, None, lang)})"
                                for q, rr in zip(ids, rels))
            s = t["household"].format(hh=hh, place=place, members=members)
        elif src == "address_household":
            s = t["address_household"].format(hh=hh, place=place, adult=disp.get(r["via_pidx"], "full_name"),
                                              k=r["k"])
        else:  # place
            n = t["place_n"].format(n=r["n"]) if r["n"] else ""
            said = t["place_said"].format(said=r["said"]) if r["said"] else ""
            s = t["place"].format(place=r["place"], n=n, said=said)
        pid.append(disp.get(p, "person_id") if p is not None else None)
        name.append(disp.get(p, "full_name") if p is not None else None)
        hhs.append(hh)
        reason.append(s)
    return pid, name, hhs, reason


class _Row(dict):
    """A lead row whose missing columns read as null."""

    def __missing__(self, key):
        return None
