"""Decoding input bytes (UTF-8 ± BOM, UTF-16 with BOM) and detecting/repairing legacy Vietnamese text.

Owns:
- `decode_bytes`: a whole file's bytes → NFC text + notes of what was converted. UTF-8 (± BOM) and
  UTF-16/32 with a BOM are read directly. Other bytes are read as they stand, Latin-1 or CP1252 (the
  everyday export of old Windows tools), unless TCVN3 (ABC/VN1 table, capitals included), VNI Windows
  or CP1258 explains the WHOLE file by a wide margin: each hypothesis is scored on the file's distinct
  non-ASCII words by how many it makes valid Vietnamese that were not valid as Latin-1 (`FileEvidence`).
- `repair_text`: one value that went through a legacy encoding or a wrong decoder (UTF-8 read as
  CP1252/Latin-1 "Nguyá»…n", TCVN3 "NguyÔn", VNI "Nguyeãn", CP1258 "NguyêÞn", VIQR "Nguye^~n") →
  (Unicode NFC, name of the encoding) or (unchanged, None).
- `repair_column`: the same over a polars column, touching only distinct suspicious values, judging
  the whole column first (`ColumnEvidence`).
- `is_vietnamese_text`: the syllable-validity test everything above is scored with.

A wrong repair is worse than none. A value is converted on its own only on overwhelming evidence (the
result is valid Vietnamese, nothing is malformed in that encoding, no valid word is rewritten unless a
character only that encoding leaves is present, and two words are made valid or such a character is
present); valid Vietnamese (NFC or NFD) is never rewritten unless its whole column is shown to be in a
legacy encoding. When unsure the text is kept and counted as doubtful (the loader warns). Conversions
are reported, never silent (the loader emits `EncodingConverted` and fills `LoadReport.conversions`).
Tables come from `reconcile/data/encodings.json` (built by scripts/build_encoding_data.py).
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import polars as pl

from reconcile.errors import EncodingConverted, EncodingProblemError, ReconcileWarning  # noqa: F401

__all__ = [
    "ReconcileWarning", "EncodingConverted", "Decoded", "decode_bytes", "repair_text", "repair_column",
    "is_vietnamese_text", "ENCODING_LABELS", "LEGACY_FILE_ENCODINGS", "ColumnEvidence", "FileEvidence",
]


ENCODING_LABELS = {
    "utf8_mojibake": "UTF-8 text that had been read as Windows-1252/Latin-1 (e.g. 'Nguyá»…n')",
    "tcvn3": "TCVN3 (ABC, .Vn fonts)",
    "vni": "VNI Windows",
    "cp1258": "Windows-1258 (CP1258)",
    "viqr": "VIQR (ASCII marks such as 'Nguye^~n')",
    "nfd": "decomposed Unicode (NFD)",
    "latin-1": "Latin-1 (ISO-8859-1)",
    "cp1252": "Windows-1252 (CP1252)",
}


@dataclass
class Decoded:
    text: str
    encoding: str                      # what the bytes were read as: "utf-8", "utf-8-sig", "utf-16", "tcvn3", …
    conversions: list[str] = field(default_factory=list)   # human-readable notes of conversions done


# --------------------------------------------------------------------------------------- tables

@lru_cache(maxsize=1)
def _tables() -> dict:
    with resources.files("reconcile.data").joinpath("encodings.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)


def _greedy_rx(table: dict[str, str]) -> re.Pattern:
    keys = sorted(table, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys))


@lru_cache(maxsize=1)
def _compiled() -> dict:
    t = _tables()
    tcvn3 = dict(t["tcvn3"])          # letter forms as read through Latin-1 (incl. capital + toned lowercase byte)
    text_only = {}
    for hx, ch in t["tcvn3_bytes"].items():   # every byte of the VN1 table (glibc TCVN5712-1), capitals included
        b = int(hx, 16)
        tcvn3.setdefault(chr(b), ch)
        if 0x80 <= b < 0xA0 and b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D):
            text_only[bytes([b]).decode("cp1252")] = ch   # the same byte as a CP1252 decoder shows it
    keys = sorted(tcvn3, key=len, reverse=True)
    alt = "|".join(re.escape(k) for k in keys)
    specials = "[" + re.escape("".join(text_only)) + "]"
    vni = t["vni"]
    vni_alt = "|".join(re.escape(k) for k in sorted(vni, key=len, reverse=True))
    return {
        "tcvn3": re.compile(alt),
        # in a Unicode column a CP1252 symbol (– “ ” …) is a VN1 capital only inside a word
        "tcvn3_text": re.compile(f"{alt}|(?<=\\w){specials}|{specials}(?=\\w)"),
        "tcvn3_table": {**tcvn3, **text_only},
        "vni_bad": re.compile(f"{vni_alt}|[^\\x00-\\x7f\\xa0]"),
        "vni_table": vni,
        "viqr": (_greedy_rx(t["viqr"]), t["viqr"]),
    }


# --------------------------------------------------------------------------------------- Vietnamese validity

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_BASE_LETTERS = set("abcdefghijklmnopqrstuvwxyzăâđêôơư")
_NUCLEI = (
    "iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyê uyu uêu "
    "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê "
    "a ă â e ê i o ô ơ u ư y"
).split()
_NUCLEUS_SET = frozenset(_NUCLEI)
_INITIALS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch")
_CONSONANTS = set("bcdđghklmnpqrstvxfjwz")
# finals: Kinh ones plus k/l/h/r/s for minority names written in Vietnamese letters (Kmăl, Sôr, Dăh)
_FINALS = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "k", "l", "h", "r", "s", "")
# nuclei that end in a glide take no final consonant; those that need one
_OPEN_ONLY = frozenset("ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưu ưa ua iêu yêu oai oay oao oeo uây uôi ươi "
                       "ươu uya uyu uêu".split())
_CLOSED_ONLY = frozenset("ă â iê yê uô ươ uyê oă uâ".split())
_STOP_FINALS = frozenset({"c", "ch", "p", "t"})
_STOP_TONES = frozenset({"\u0301", "\u0323"})     # after -c/-ch/-p/-t only sắc or nặng
_MARKED_VOWELS = set("ăâêôơư")
_PALATAL_NUCLEI = frozenset("a ê i y oa uy uê".split())    # the only nuclei before -nh / -ch
_CLUSTER_SECOND = set("rlhbmnkdpjg")   # Kr-, Đr-, Dl-, Hl-, Kb-, Km-, Mn-, Bh-, Kd-, Kp-, Kj-, Ng-


def _tone_positions(nuc: str, has_final: bool) -> tuple[int, ...]:
    """Where the tone may sit in a nucleus (old and new styles both accepted: hoà/hòa, thuý/thúy)."""
    marked = [i for i, c in enumerate(nuc) if c in _MARKED_VOWELS]
    if marked:
        return (marked[-1],)
    if len(nuc) == 1:
        return (0,)
    if has_final:
        return (len(nuc) - 1,)
    if nuc in ("oa", "oe", "uy"):
        return (0, 1)
    if len(nuc) == 2:
        return (0,)
    return (1,)


@lru_cache(maxsize=100_000)
def _syllable_ok(syl: str) -> bool:
    """Phonotactics of one lowercase NFC syllable (letters only): initial + nucleus + final, open/closed
    nuclei, tones after stop finals, and where the tone mark sits. Lenient enough for minority names
    written in Vietnamese letters (consonant clusters such as Kr-, Đr-, finals -l/-h/-r/-s)."""
    base_chars, tone, tone_idx = [], None, None
    for i, ch in enumerate(syl):
        d = unicodedata.normalize("NFD", ch)
        marks = [c for c in d if c in _TONES]
        if marks:
            if tone is not None or len(marks) > 1:
                return False
            tone, tone_idx = marks[0], i
        base_chars.append(unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES)))
    base = "".join(base_chars)
    if len(base) != len(syl) or any(c not in _BASE_LETTERS for c in base):
        return False
    starts = [0] + [len(x) for x in _INITIALS if base.startswith(x)]
    run = 0
    while run < len(base) and run < 3 and base[run] in (_CONSONANTS if run == 0 else _CLUSTER_SECOND):
        run += 1
        starts.append(run)
    for start in set(starts):
        for fin in _FINALS:
            end = len(base) - len(fin)
            if end <= start or (fin and not base.endswith(fin)):
                continue
            nuc = base[start:end]
            if nuc not in _NUCLEUS_SET:
                continue
            if fin and nuc in _OPEN_ONLY:
                continue
            if not fin and nuc in _CLOSED_ONLY:
                continue
            if fin in _STOP_FINALS and tone is not None and tone not in _STOP_TONES:
                continue
            if fin in ("nh", "ch") and nuc not in _PALATAL_NUCLEI:
                continue
            if tone_idx is not None and (tone_idx - start) not in _tone_positions(nuc, bool(fin)):
                continue
            return True
    return False


_EDGE_PUNCT = ",.;:()[]{}\"“”‘’!?/<>"
# the same without look-arounds, for the polars pre-filter (a superset is fine there)
_VIQR_PREFILTER = r"[aeiouyAEIOUY](?:[\^\(\+]|[`~]|['?.][A-Za-z])|(?:^|[^A-Za-z])[Dd][Dd][aeiouyAEIOUY]"
_VIQR_EVIDENCE = re.compile(r"[aeiouyAEIOUY](?:[\^\(\+][`'?~.]?|[`~]|['?.](?=[A-Za-z]))|(?<![A-Za-z])[Dd][Dd][aeiouyAEIOUY]")


_PART_SPLIT = re.compile(r"[,;:()\[\]{}\"“”‘’'/\-.!?<>–—]+")   # not « »: TCVN3 letters ô, ằ


@lru_cache(maxsize=200_000)
def _token_ok(tok: str) -> bool:
    """Is one whitespace-separated token plausible Vietnamese (or plain ASCII without VIQR marks)?"""
    tok = tok.strip(_EDGE_PUNCT)
    if not tok:
        return True
    if tok.isascii():
        return not _VIQR_EVIDENCE.search(tok)
    for part in _PART_SPLIT.split(tok):
        if not part or part.isdigit():
            continue
        if part.isascii():
            if _VIQR_EVIDENCE.search(part):
                return False
            continue
        # case: lower, Title or UPPER only ("NguyÔn", "LỊnh" are not Vietnamese)
        if not (part.islower() or part.isupper() or (part[0].isupper() and part[1:].islower()) or len(part) == 1):
            return False
        low = unicodedata.normalize("NFC", part.lower())
        if len(low) == 1 and low in _BASE_LETTERS:      # an initial such as "Đ."
            continue
        if not _syllable_ok(low):
            return False
    return True


def is_vietnamese_text(text: str) -> bool:
    """True when every token reads as Vietnamese (or plain ASCII): the guard against false repairs."""
    return all(_token_ok(t) for t in unicodedata.normalize("NFC", text).split())


# --------------------------------------------------------------------------------------- per-value hypotheses

def _as_bytes(text: str) -> bytes | None:
    """The bytes a wrong single-byte decoder would have shown as `text` (CP1252, else Latin-1)."""
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for ch in text:
        o = ord(ch)
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if o < 256:
                out.append(o)
            else:
                return None
    return bytes(out)


# cp1252 has no character for bytes 0x81 0x8D 0x8F 0x90 0x9D: a wrong decoder shows U+FFFD (or drops
# them). In Vietnamese UTF-8 they occur after E1 BB (ề ọ ỏ Ố ờ), C3 (Á Í Ý) and C4 (Đ).
_LOST_BYTES = {"á»": (0x81, 0x8D, 0x8F, 0x90, 0x9D), "Ã": (0x81, 0x8D, 0x9D), "Ä": (0x90,)}
_UTF8_PATTERN = re.compile("[ÃÄÅÆ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
                           "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac"
                           "\u2122\ufffd ]|á[º»]")


def _try_utf8_mojibake(text: str) -> str | None:
    fixed = text.replace("Ã ", "Ã\xa0").replace("Æ ", "Æ\xa0")
    if "\ufffd" not in fixed:
        b = _as_bytes(fixed)
        if b is None or b.isascii():
            return None
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return None
    # try the possible lost bytes; accept only when exactly one choice reads as Vietnamese
    parts = fixed.split("\ufffd")
    if len(parts) > 5:
        return None
    options = []
    for left in parts[:-1]:
        lead = next((k for k in _LOST_BYTES if left.endswith(k)), None)
        if lead is None:
            return None
        options.append(_LOST_BYTES[lead])
    found = []
    for combo in itertools.product(*options):
        b = bytearray()
        for i, part in enumerate(parts):
            pb = _as_bytes(part)
            if pb is None:
                return None
            b += pb
            if i < len(combo):
                b.append(combo[i])
        try:
            out = bytes(b).decode("utf-8")
        except UnicodeDecodeError:
            continue
        if is_vietnamese_text(out):
            found.append(out)
    return found[0] if len(set(found)) == 1 else None


# C1 control characters (what a Latin-1 decoder shows for 0x80-0x9F) → the CP1252 character of that byte
_C1_TO_CP1252 = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_CP1252_SPECIALS = "".join(_C1_TO_CP1252.values())


def _tcvn3_sub(view: str, in_text: bool) -> tuple[str, bool]:
    """TCVN3 text seen through Latin-1 (`view`) → Unicode NFC. `in_text`: `view` is a value of a Unicode
    column, where a CP1252 symbol (– “ ” …) stands for a VN1 capital byte only inside a word."""
    rx = _compiled()["tcvn3_text" if in_text else "tcvn3"]
    table = _compiled()["tcvn3_table"]
    out = rx.sub(lambda m: table[m.group(0)], view)
    return unicodedata.normalize("NFC", out), False


def _vni_sub(view: str) -> tuple[str, bool]:
    """VNI text seen through CP1252 → (Unicode NFC, malformed): malformed when a byte above 0x7F is not
    part of a VNI letter (a modifier without its vowel, as in 'Lâm' read as VNI)."""
    rx, table = _compiled()["vni_bad"], _compiled()["vni_table"]
    bad = False

    def one(m: re.Match) -> str:
        nonlocal bad
        k = m.group(0)
        if k in table:
            return table[k]
        bad = True
        return k
    out = rx.sub(one, view)
    return unicodedata.normalize("NFC", out), bad


def _try_table(text: str, name: str) -> tuple[str, bool] | None:
    if _as_bytes(text) is None or text.isascii():
        return None
    if name == "tcvn3":
        return _tcvn3_sub(text, in_text=True)
    return _vni_sub(text.translate(_C1_TO_CP1252))


def _try_cp1258(text: str) -> tuple[str, bool] | None:
    b = _as_bytes(text)
    if b is None or b.isascii():
        return None
    try:
        return unicodedata.normalize("NFC", b.decode("cp1258")), False
    except UnicodeDecodeError:
        return None


def _try_viqr(text: str, weak: bool = False) -> str | None:
    """VIQR → Unicode. Needs an in-word mark ("Nguye^~n") unless `weak` (the column is known to be VIQR:
    then a final mark counts too, "Thi." → "Thị")."""
    if not text.isascii() or (not _VIQR_EVIDENCE.search(text) and not (weak and re.search(_VIQR_WEAK, text))):
        return None             # VIQR is 7-bit: a value with Unicode letters is not VIQR
    rx, table = _compiled()["viqr"]
    out = re.sub(r"(?<![A-Za-z])([Dd])([Dd])(?=[aeiouyAEIOUY])", lambda m: "Đ" if m.group(1) == "D" else "đ", text)
    return rx.sub(lambda m: table[m.group(0)], out)


_VIQR_WEAK = r"[aeiouyAEIOUY][\^\(\+'`?~.]"

# Characters only a given legacy encoding leaves in text: none is a Vietnamese letter, so a typo in
# Unicode text cannot produce them. Without one, a value is converted on its own only when two or more
# of its words go from impossible to valid Vietnamese and no valid word would be rewritten.
_STRONG = {
    "tcvn3": re.compile("[\u0080-\u009f\u00a1-\u00bf]|(?<=\\w)[" + re.escape(_CP1252_SPECIALS) + "]|["
                        + re.escape(_CP1252_SPECIALS) + "](?=\\w)"),
    "vni": re.compile("[øûïöñåäëüæîØÛÏÖÑÅÄËÜÆÎ]"),
    "cp1258": re.compile("[ÐðÞ]"),
    "viqr": re.compile(r"[aeiouyAEIOUY](?:[\^\(\+][`'?~.]?|[`~]|['?.](?=[A-Za-z]))"),   # not 'dd' alone: a typo makes it
}


@dataclass(frozen=True)
class _Assessed:
    out: str
    gains: int        # words that go from impossible to valid Vietnamese
    rewrites: int     # words that were valid Vietnamese and would change
    bad: bool         # the result is not Vietnamese, or the text is malformed in that encoding
    strong: bool      # holds a character only that encoding leaves
    worse: int = 0    # words valid before and invalid after
    malformed: bool = False   # bytes that cannot occur in that encoding (a VNI mark without its vowel)


def _convert(nfc: str, name: str, weak: bool = False) -> tuple[str, bool] | None:
    if name == "utf8_mojibake":
        out = _try_utf8_mojibake(nfc)
        return None if out is None else (unicodedata.normalize("NFC", out), False)
    if name == "viqr":
        out = _try_viqr(nfc, weak=weak)
        return None if out is None else (unicodedata.normalize("NFC", out), False)
    if name == "cp1258":
        return _try_cp1258(nfc)
    return _try_table(nfc, name)


def _assess(nfc: str, name: str, weak: bool = False) -> _Assessed | None:
    """What converting one NFC value from `name` would do (None: not applicable or no change)."""
    got = _convert(nfc, name, weak)
    if got is None or got[0] == nfc:
        return None
    out, malformed = got
    before, after = nfc.split(), out.split()
    strong = name == "utf8_mojibake" or bool(_STRONG[name].search(nfc))
    if len(before) != len(after):       # UTF-8 mojibake "ThÃ nh" → "Thành" joins words
        ok = is_vietnamese_text(out)
        return _Assessed(out, int(ok), 0, malformed or not ok, strong, int(not ok), malformed)
    gains = rewrites = worse = 0
    bad = malformed
    for a, b in zip(before, after):
        ok_b = _token_ok(b)
        bad = bad or not ok_b
        if a != b:
            if _token_ok(a):
                rewrites += 1
                worse += not ok_b
            elif ok_b:
                gains += 1
    return _Assessed(out, gains, rewrites, bad, strong, worse, malformed)


_VALUE_ENCODINGS = ("utf8_mojibake", "tcvn3", "vni", "cp1258", "viqr")
# without a character only that encoding leaves, this many words must go from impossible to valid
# (typos such as 'Buí Thi Tõu' make two words "valid TCVN3")
_WEAK_MIN_GAINS = 3


def _fits_column(a: _Assessed | None) -> bool:
    """In a column shown to be in one encoding: convert when nothing is malformed and no valid word breaks
    (minority names the syllable test does not know, 'Rve^' → 'Rvê', still convert)."""
    return a is not None and not a.malformed and a.worse == 0


def _decide_value(nfc: str) -> tuple[str | None, str | None, bool]:
    """(converted text, encoding, doubtful) for one value judged on its own evidence."""
    accepted: list[tuple[str, _Assessed]] = []
    doubtful = False
    for name in _VALUE_ENCODINGS:
        a = _assess(nfc, name)
        if a is None or a.bad or a.gains < 1:
            continue
        if name == "utf8_mojibake" or (a.strong and a.gains >= a.rewrites) \
                or (a.rewrites == 0 and a.gains >= _WEAK_MIN_GAINS):
            accepted.append((name, a))
        else:
            doubtful = True         # it would read as Vietnamese in `name`, but the evidence is too weak
    outs = {a.out for _, a in accepted}
    if len(outs) == 1:
        return accepted[0][1].out, accepted[0][0], False
    if len(outs) > 1:
        strong = [(n, a) for n, a in accepted if a.strong]
        if len({a.out for _, a in strong}) == 1:
            return strong[0][1].out, strong[0][0], False
        return None, None, True
    return None, None, doubtful


def repair_text(text: str, prefer: str | None = None) -> tuple[str, str | None]:
    """(repaired NFC text, encoding name) when `text` is legacy/mis-decoded Vietnamese, else (text, None).

    On its own evidence a value is converted only when the result is valid Vietnamese, nothing in it is
    malformed for that encoding, and the evidence is overwhelming: UTF-8 byte sequences, a character only
    that encoding leaves (TCVN3 '¨ µ', VNI 'ø ñ', CP1258 'Þ'), or two words made valid with no valid word
    rewritten. `prefer` names the encoding the whole column was found to be in: then any value that
    converts cleanly to valid Vietnamese is converted ("Hoà Thò Lan" → "Hồ Thị Lan" in a VNI column).
    """
    if text is None:
        return text, None
    nfc = unicodedata.normalize("NFC", text)
    if prefer is not None:
        a = _assess(nfc, prefer, weak=True)
        if _fits_column(a):
            return a.out, prefer
    out, enc, _ = _decide_value(nfc)
    return (out, enc) if enc is not None else (nfc, None)


# Latin-1 symbols and letters that Vietnamese never uses: left over from a wrong decoder.
_MOJIBAKE_MARKERS = re.compile("[\u0080-\u00bf\u00c4-\u00c7\u00cb\u00ce\u00cf\u00d0\u00d1\u00d6-\u00d8"
                               "\u00db\u00dc\u00de\u00df\u00e4-\u00e7\u00eb\u00ee\u00ef\u00f0\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff\ufffd]")


@dataclass(frozen=True)
class ColumnEvidence:
    """Thresholds for deciding that a whole column is in one legacy encoding (one place for defaults)."""
    min_values: int = 3            # distinct values that only this encoding makes valid
    min_share: float = 0.5         # … as a share of the column's distinct non-ASCII values
    max_contra: float = 0.05       # values this encoding would leave malformed/invalid, per supporting value


COLUMN_EVIDENCE = ColumnEvidence()


def repair_column(s: pl.Series, evidence: ColumnEvidence = COLUMN_EVIDENCE) -> tuple[pl.Series, dict[str, int], int]:
    """Repair a text column; returns (series, {encoding: distinct values converted}, distinct values that
    look mis-encoded but were left as they are). Python runs only over distinct suspicious values.

    The whole column is judged first: when one legacy encoding makes at least `min_values` values valid
    that were not, these are at least `min_share` of the column's non-ASCII values, and it would break
    almost none, the column is in that encoding and every value that converts cleanly is converted.
    Otherwise each value is judged on its own, strictly (see `repair_text`): valid Vietnamese is never
    rewritten, and typos ("Haàng Lâm", "Maù Súa") are left alone.
    """
    if s.dtype != pl.Utf8 or s.len() == 0:
        return s, {}, 0
    cand = s.filter((s.str.contains(r"[^\x00-\x7F]") | s.str.contains(_VIQR_PREFILTER)).fill_null(False)).unique()
    if cand.len() == 0:
        return s, {}, 0
    values = cand.to_list()
    nfcs = {v: unicodedata.normalize("NFC", v) for v in values}
    # whole-column evidence, per encoding
    dominant = None
    best = 0
    for name in _VALUE_ENCODINGS[1:]:
        support = contra = 0
        for v in values:
            a = _assess(nfcs[v], name, weak=(name == "viqr"))
            if a is None:
                continue
            if a.malformed or a.worse:
                contra += 1
            elif a.gains >= 1:
                support += 1
        if support >= evidence.min_values and support >= evidence.min_share * len(values) \
                and contra <= evidence.max_contra * support and support > best:
            dominant, best = name, support
    if dominant == "viqr":      # a VIQR column: final marks count too ("Chu Thi. Linh")
        extra = s.filter(s.str.contains(_VIQR_WEAK).fill_null(False)).unique().to_list()
        values += [v for v in extra if v not in nfcs]
        nfcs.update({v: unicodedata.normalize("NFC", v) for v in extra})
    mapping: dict[str, str] = {}
    counts: dict[str, int] = {}
    unrepaired = 0
    for v in values:
        nfc = nfcs[v]
        out, enc, doubtful = None, None, False
        if dominant is not None:
            a = _assess(nfc, dominant, weak=True)
            if _fits_column(a):
                out, enc = a.out, dominant
        if enc is None:
            if dominant is not None or not is_vietnamese_text(nfc) or _UTF8_PATTERN.search(nfc):
                out, enc, doubtful = _decide_value(nfc)
        if enc is None:
            unrepaired += bool(doubtful or _MOJIBAKE_MARKERS.search(nfc))
            if nfc != v and is_vietnamese_text(nfc):
                pass            # NFD values: left for the loader's NFC pass, not a conversion
            continue
        mapping[v] = out
        counts[enc] = counts.get(enc, 0) + 1
    if not mapping:
        return s, counts, unrepaired
    return s.replace(mapping), counts, unrepaired


# --------------------------------------------------------------------------------------- whole files

def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# Encodings a whole file may be read in when it is not UTF-8; the loader does not re-judge its columns
LEGACY_FILE_ENCODINGS = ("tcvn3", "vni", "cp1258", "latin-1", "cp1252")


@dataclass(frozen=True)
class FileEvidence:
    """Thresholds for reading a non-UTF-8 file as TCVN3/VNI/CP1258 rather than as it stands (Latin-1/CP1252)."""
    min_valid: float = 0.8      # share of the words the encoding changes that it makes valid Vietnamese
    min_margin: float = 0.5     # (valid in it − valid as Latin-1) / words it changes
    ambiguity: float = 0.8      # a rival encoding with this share of the best margin → undecided


FILE_EVIDENCE = FileEvidence()
_WORD_SPLIT = re.compile(r"[\s,;\"{}\[\]]+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _base_view(view: str) -> tuple[str, str]:
    """A Latin-1 view of the bytes → (text as CP1252 when it uses CP1252's 0x80-0x9F symbols, else Latin-1, name)."""
    if re.search("[\x80-\x9f]", view):
        return _cp1252_view(view), "cp1252"
    return view, "latin-1"


def _cp1252_view(view: str) -> str:
    """Latin-1 view → CP1252 text (bytes CP1252 leaves undefined stay C1 controls)."""
    b = view.encode("latin-1")
    try:
        return b.decode("cp1252")          # the codec in C: fast on whole files
    except UnicodeDecodeError:
        return view.translate(_C1_TO_CP1252)


def _file_hypothesis(view: str, name: str) -> tuple[str, bool] | None:
    if name == "tcvn3":
        return _tcvn3_sub(view, in_text=False)
    if name == "vni":
        return _vni_sub(view.translate(_C1_TO_CP1252))
    try:
        return unicodedata.normalize("NFC", view.encode("latin-1").decode("cp1258")), False
    except UnicodeDecodeError:
        return None


def _whole_text(view: str, name: str) -> str:
    """A whole file's Latin-1 view decoded as `name` (one polars Aho-Corasick pass, longest key first)."""
    if name == "cp1258":
        return unicodedata.normalize("NFC", view.encode("latin-1").decode("cp1258"))
    table = _compiled()["tcvn3_table"] if name == "tcvn3" else _compiled()["vni_table"]
    if name == "tcvn3":
        table = {k: v for k, v in table.items() if all(ord(c) < 256 for c in k)}
    else:
        view = _cp1252_view(view)
    keys = sorted(table, key=len, reverse=True)
    out = pl.Series([view]).str.replace_many(keys, [table[k] for k in keys], leftmost=True)[0]
    return unicodedata.normalize("NFC", out)


def _file_words(view: str) -> set[str]:
    """Distinct words of a file (split at spaces and CSV/JSON punctuation) holding a byte outside printable ASCII."""
    words = pl.Series([view]).str.extract_all(r'[^\s,;"{}\[\]]+').explode()
    odd = words.filter(words.str.contains(r"[^\x09\x0a\x0d\x20-\x7e]").fill_null(False)).unique()
    return set(odd.to_list())


def _decode_legacy_bytes(data: bytes, evidence: FileEvidence = FILE_EVIDENCE) -> Decoded | None:
    """Bytes that are not UTF-8: Latin-1/CP1252 (as they stand) unless TCVN3, VNI or CP1258 makes the
    file's words valid Vietnamese by a wide margin over the whole file."""
    if b"\x00" in data:
        return None
    view = data.decode("latin-1")
    words = _file_words(view)
    base_ok = {w: not _CONTROL.search(_base_view(w)[0]) and _token_ok(unicodedata.normalize("NFC", _base_view(w)[0]))
               for w in words}
    scores = []
    for name in ("tcvn3", "vni", "cp1258"):
        changed = valid = valid_base = 0
        for w in words:
            got = _file_hypothesis(w, name)
            if got is None:
                changed = -1
                break
            out, bad = got
            if out == unicodedata.normalize("NFC", _base_view(w)[0]):
                continue
            changed += 1
            valid += (not bad and not _CONTROL.search(out) and _token_ok(out))
            valid_base += base_ok[w]
        if changed > 0:
            scores.append((valid - valid_base, (valid - valid_base) / changed, valid / changed, name))
    scores.sort(reverse=True)           # most words gained first
    winners = [s for s in scores if s[2] >= evidence.min_valid and s[1] >= evidence.min_margin]
    if winners:
        gained, _margin, _share, name = winners[0]
        rivals = [s for s in scores if s[3] != name and s[0] >= evidence.ambiguity * gained and s[0] > 0]
        if not rivals:
            text = _whole_text(view, name)
            if not _CONTROL.search(text):
                return Decoded(text=text, encoding=name, conversions=[
                    f"the file is in {ENCODING_LABELS[name]}, not UTF-8: converted to Unicode "
                    f"({gained} of {len(words)} distinct non-ASCII words read as Vietnamese only in it)"])
    base_name = "cp1252" if re.search("[\x80-\x9f]", view) else "latin-1"
    try:
        base_text = data.decode(base_name)        # CP1252 bytes it leaves undefined: not text
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(base_text):
        return None
    notes = [f"the file is not UTF-8: read as {ENCODING_LABELS[base_name]}; letters it cannot hold "
             "(ă, đ, ơ, ư and most tone marks) were lost when the file was saved, so names may lack marks"]
    doubt = [s for s in scores if s[0] > 0]
    if doubt:
        gained, _m, _s, name = doubt[0]
        notes.append(f"{gained} word(s) would read as Vietnamese in {ENCODING_LABELS[name]}, too few to decide "
                     "that the file is in it: left as they are (check the file's encoding)")
    return Decoded(text=unicodedata.normalize("NFC", base_text), encoding=base_name, conversions=notes)


_VN1_CONTROL_CAPITALS = re.compile("[\x01-\x06\x11-\x17]")


def decode_bytes(data: bytes, source: str = "input") -> Decoded:
    """Decode a whole file's bytes to NFC text.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are read directly. Bytes that are not UTF-8
    are read as Latin-1/CP1252 unless a legacy Vietnamese encoding (TCVN3, VNI, CP1258) explains the
    whole file by a wide margin; binary data raises `EncodingProblemError` naming the line of the first
    undecodable byte. NFD text is normalised to NFC and reported.
    """
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        enc = "utf-32"
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        enc = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    else:
        enc = "utf-8"
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        legacy = _decode_legacy_bytes(data) if enc == "utf-8" else None
        if legacy is not None:
            return legacy
        line = _line_of_offset(data, exc.start) if enc == "utf-8" else None
        raise EncodingProblemError(
            f"bytes that are not {enc.upper()} and not a recognised Vietnamese encoding "
            f"(byte 0x{data[exc.start]:02X} at offset {exc.start})",
            source=source, row=line,
            hint="save the file as UTF-8 (Excel: 'CSV UTF-8'; the Unikey toolkit converts TCVN3/VNI to Unicode)",
        ) from None
    if enc == "utf-8" and _VN1_CONTROL_CAPITALS.search(text) and data.isascii():
        # ASCII with control bytes 0x01-0x17 between letters: TCVN3 (VN1) capitals such as 'Ứ' (0x11)
        legacy = _decode_legacy_bytes(data)
        if legacy is not None and legacy.encoding == "tcvn3":
            return legacy
    if "\x00" in text:
        raise EncodingProblemError("NUL characters in text (binary file, or UTF-16 without a BOM?)",
                                   source=source, row=text.count("\n", 0, text.index("\x00")) + 1,
                                   hint="save the file as UTF-8")
    out = Decoded(text=text, encoding=enc)
    if not unicodedata.is_normalized("NFC", text):
        out.text = unicodedata.normalize("NFC", text)
        out.conversions.append(f"{ENCODING_LABELS['nfd']} normalised to NFC")
    return out
