"""Decoding input bytes (UTF-8 ± BOM, UTF-16 with BOM) and detecting/repairing legacy Vietnamese text.

Owns:
- `decode_bytes`: a whole file's bytes → NFC text + notes of what was converted. UTF-8 (± BOM) and
  UTF-16/32 with a BOM are read directly; bytes that are not UTF-8 are tried as TCVN3 (ABC), VNI
  Windows and CP1258 and accepted only when the result reads as Vietnamese.
- `repair_text`: one value that went through a legacy encoding or a wrong decoder (UTF-8 read as
  CP1252/Latin-1 "Nguyá»…n", TCVN3 "NguyÔn", VNI "Nguyeãn", CP1258 "NguyêÞn", VIQR "Nguye^~n") →
  (Unicode NFC, name of the encoding) or (unchanged, None).
- `repair_column`: the same over a polars column, touching only distinct suspicious values.
- `is_vietnamese_text`: the validity test that keeps detection conservative.

Conservative by construction: a value is converted only when it does NOT read as Vietnamese (a
syllable with impossible letters, vowel clusters or case) AND the conversion makes every syllable
valid. Genuine NFC or NFD Vietnamese is therefore never converted. Conversions are reported, never
silent (the loader emits `EncodingConverted` and fills `LoadReport.conversions`).
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
    "is_vietnamese_text", "ENCODING_LABELS",
]


ENCODING_LABELS = {
    "utf8_mojibake": "UTF-8 text that had been read as Windows-1252/Latin-1 (e.g. 'Nguyá»…n')",
    "tcvn3": "TCVN3 (ABC, .Vn fonts)",
    "vni": "VNI Windows",
    "cp1258": "Windows-1258 (CP1258)",
    "viqr": "VIQR (ASCII marks such as 'Nguye^~n')",
    "nfd": "decomposed Unicode (NFD)",
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
    tcvn3 = dict(t["tcvn3"])
    # single bytes of the VN1 table not covered by the letter sequences (Latin-1 view)
    for hx, ch in t["tcvn3_bytes"].items():
        b = int(hx, 16)
        if b >= 0xA1:   # VN3/ABC fonts use 0xA1-0xFF; 0x80-0xA0 (VN1 capitals) would eat dashes and quotes
            tcvn3.setdefault(chr(b), ch)
    return {
        "vni": (_greedy_rx(t["vni"]), t["vni"]),
        "tcvn3": (_greedy_rx(tcvn3), tcvn3),
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


# --------------------------------------------------------------------------------------- per-value repair

def _as_bytes(text: str) -> bytes | None:
    """The bytes a wrong single-byte decoder would have shown as `text` (CP1252, else Latin-1)."""
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
        ok = True
        for i, part in enumerate(parts):
            pb = _as_bytes(part)
            if pb is None:
                ok = False
                break
            b += pb
            if i < len(combo):
                b.append(combo[i])
        if not ok:
            return None
        try:
            out = bytes(b).decode("utf-8")
        except UnicodeDecodeError:
            continue
        if is_vietnamese_text(out):
            found.append(out)
    return found[0] if len(set(found)) == 1 else None


def _try_table(text: str, name: str) -> str | None:
    b = _as_bytes(text)
    if b is None or b.isascii():
        return None
    rx, table = _compiled()[name]
    view = b.decode("latin-1") if name == "tcvn3" else b.decode("cp1252", errors="replace")
    if "\ufffd" in view:
        view = b.decode("latin-1")
    return rx.sub(lambda m: table[m.group(0)], view)


def _try_cp1258(text: str) -> str | None:
    b = _as_bytes(text)
    if b is None or b.isascii():
        return None
    try:
        return b.decode("cp1258")
    except UnicodeDecodeError:
        return None


def _try_viqr(text: str, weak: bool = False) -> str | None:
    """VIQR → Unicode. Needs an in-word mark ("Nguye^~n") unless `weak` (the column is known to be VIQR:
    then a final mark counts too, "Thi." → "Thị")."""
    if not _VIQR_EVIDENCE.search(text) and not (weak and re.search(_VIQR_WEAK, text)):
        return None
    rx, table = _compiled()["viqr"]
    out = re.sub(r"(?<![A-Za-z])([Dd])([Dd])(?=[aeiouyAEIOUY])", lambda m: "Đ" if m.group(1) == "D" else "đ", text)
    return rx.sub(lambda m: table[m.group(0)], out)


_TRIES = (
    ("utf8_mojibake", _try_utf8_mojibake),
    ("tcvn3", lambda t: _try_table(t, "tcvn3")),
    ("vni", lambda t: _try_table(t, "vni")),
    ("cp1258", _try_cp1258),
    ("viqr", _try_viqr),
)


# Sequences that only a given legacy encoding produces: they decide the order in which repairs are
# tried when several would give valid-looking Vietnamese ("Nhoân" is VNI "Nhân", not TCVN3 "Nhoõn").
_VNI_EVIDENCE = re.compile(r"[A-Za-z][ùøûõïÙØÛÕÏ]|[aAeEoO][âÂäÄåÅ]|[aA][êÊëË]|[öÖñÑ]")
# CP1258 read as Latin-1: Ð/ð, and combining tones (0xCC 0xEC 0xD2 0xDE 0xF2 → Ì ì Ò Þ ò) after a vowel
_CP1258_EVIDENCE = re.compile(r"[ÐðÞ]|(?<![qQgG])[aeiouyâêôơưă][ìò]|[aeiouyâêôơưăAEIOUYÂÊÔƠƯĂ][ÌÒ]")


def _order_tries(text: str, prefer: str | None):
    first = [prefer] if prefer else []          # the column's dominant encoding decides ambiguous values
    if _VNI_EVIDENCE.search(text):
        first.append("vni")
    if _CP1258_EVIDENCE.search(text):
        first.append("cp1258")
    order = list(dict.fromkeys(["utf8_mojibake", *first]))
    rank = {name: i for i, name in enumerate(order)}
    return sorted(_TRIES, key=lambda kv: rank.get(kv[0], len(order)))


def repair_text(text: str, prefer: str | None = None) -> tuple[str, str | None]:
    """(repaired NFC text, encoding name) when `text` is legacy/mis-decoded Vietnamese, else (text, None).

    Only text that does not read as Vietnamese is considered, and a repair is accepted only when its
    result reads as Vietnamese. `prefer` tries one encoding first (the file's dominant one).
    """
    if text is None:
        return text, None
    nfc = unicodedata.normalize("NFC", text)
    if is_vietnamese_text(nfc):
        # reads as Vietnamese; only a UTF-8 lead/continuation pattern ("BÃ n") is still worth a try
        if not _UTF8_PATTERN.search(nfc):
            return nfc, None
        out = _try_utf8_mojibake(nfc)
        if out is not None:
            out = unicodedata.normalize("NFC", out)
            if out != nfc and is_vietnamese_text(out):
                return out, "utf8_mojibake"
        return nfc, None
    tries = _order_tries(nfc, prefer)
    for name, fn in tries:
        out = fn(nfc)
        if out is None:
            continue
        out = unicodedata.normalize("NFC", out)
        if out != nfc and is_vietnamese_text(out):
            return out, name
    return nfc, None


# Latin-1 symbols and letters that Vietnamese never uses: left over from a wrong decoder.
_MOJIBAKE_MARKERS = re.compile("[\u0080-\u00bf\u00c4-\u00c7\u00cb\u00ce\u00cf\u00d0\u00d1\u00d6-\u00d8"
                               "\u00db\u00dc\u00de\u00df\u00e4-\u00e7\u00eb\u00ee\u00ef\u00f0\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff\ufffd]")


_VIQR_WEAK = r"[aeiouyAEIOUY][\^\(\+'`?~.]"


def repair_column(s: pl.Series) -> tuple[pl.Series, dict[str, int], int]:
    """Repair a text column; returns (series, {encoding: distinct values converted}, distinct values that
    look mis-encoded but could not be repaired). Python runs only over distinct suspicious values.

    Pass 1 converts values that do not read as Vietnamese. Pass 2, only when one legacy encoding
    explains at least half of the column's non-ASCII values (the column IS in that encoding), also
    converts the values that happened to look like Vietnamese in it ("Thò" is VNI for "Thị").
    """
    if s.dtype != pl.Utf8 or s.len() == 0:
        return s, {}, 0
    cand = s.filter((s.str.contains(r"[^\x00-\x7F]") | s.str.contains(_VIQR_PREFILTER)).fill_null(False)).unique()
    if cand.len() == 0:
        return s, {}, 0
    toks = cand.str.split(" ").explode().drop_nulls().unique()
    bad_toks = [t for t in toks.to_list() if not _token_ok(unicodedata.normalize("NFC", t))]
    frame = pl.DataFrame({"v": cand}).with_columns(t=pl.col("v").str.split(" "))
    suspicious = set(frame.explode("t").filter(pl.col("t").is_in(bad_toks))["v"].unique().to_list()) if bad_toks else set()
    suspicious |= set(cand.filter(cand.str.contains(_UTF8_PATTERN.pattern)).to_list())
    if not suspicious:
        return s, {}, 0
    # phase A: each value on its own evidence, to learn the column's dominant encoding
    first_pass = {v: repair_text(v) for v in suspicious}
    tally: dict[str, int] = {}
    for _out, enc in first_pass.values():
        if enc is not None:
            tally[enc] = tally.get(enc, 0) + 1
    prefer = max(tally, key=tally.get) if tally else None
    # phase B: ambiguous values follow the dominant encoding
    mapping: dict[str, str] = {}
    counts: dict[str, int] = {}
    unrepaired = 0
    for v in suspicious:
        out, enc = repair_text(v, prefer) if prefer else first_pass[v]
        if enc is None:
            unrepaired += bool(_MOJIBAKE_MARKERS.search(v))
            continue
        mapping[v] = out
        counts[enc] = counts.get(enc, 0) + 1
    if counts:
        dom = max(counts, key=counts.get)
        pool = s.drop_nulls().unique()
        weak = pool.str.contains(r"[^\x00-\x7F]") | (pool.str.contains(_VIQR_WEAK) if dom == "viqr" else False)
        pool = pool.filter(weak)
        if dom != "utf8_mojibake" and counts[dom] >= 3 and counts[dom] >= 0.5 * pool.len() \
                and counts[dom] >= 0.9 * sum(counts.values()):
            fn = (lambda t: _try_viqr(t, weak=True)) if dom == "viqr" else dict(_TRIES)[dom]
            for v in pool.to_list():
                if v in mapping:
                    continue
                nfc = unicodedata.normalize("NFC", v)
                out = fn(nfc)
                if out is None:
                    continue
                out = unicodedata.normalize("NFC", out)
                if out != nfc and is_vietnamese_text(out):
                    mapping[v] = out
                    counts[dom] += 1
    if not mapping:
        return s, counts, unrepaired
    return s.replace(mapping), counts, unrepaired


# --------------------------------------------------------------------------------------- whole files

def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _share_vietnamese(text: str) -> float:
    toks = [t for t in text.split() if not t.isascii()]
    if not toks:
        return 0.0
    return sum(_token_ok(t) for t in toks) / len(toks)


def _decode_legacy_bytes(data: bytes) -> Decoded | None:
    """Bytes that are not UTF-8: try TCVN3, VNI, CP1258; keep the one that reads as Vietnamese."""
    best: tuple[float, str, str] | None = None
    for name in ("tcvn3", "vni", "cp1258"):
        if name == "cp1258":
            try:
                text = unicodedata.normalize("NFC", data.decode("cp1258"))
            except UnicodeDecodeError:
                continue
        else:
            rx, table = _compiled()[name]
            view = data.decode("latin-1") if name == "tcvn3" else data.decode("cp1252", errors="replace")
            if "\ufffd" in view:
                view = data.decode("latin-1")
            text = unicodedata.normalize("NFC", rx.sub(lambda m: table[m.group(0)], view))
        if "\x00" in text:
            continue
        score = _share_vietnamese(text)
        if best is None or score > best[0]:
            best = (score, name, text)
    if best is None or best[0] < 0.9:
        return None
    _, name, text = best
    return Decoded(text=text, encoding=name,
                   conversions=[f"the file is in {ENCODING_LABELS[name]}, not UTF-8: converted to Unicode"])


def decode_bytes(data: bytes, source: str = "input") -> Decoded:
    """Decode a whole file's bytes to NFC text.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are read directly. Bytes that are not UTF-8
    are tried as legacy Vietnamese encodings; when none reads as Vietnamese, `EncodingProblemError`
    names the line of the first undecodable byte. NFD text is normalised to NFC and reported.
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
    if "\x00" in text:
        raise EncodingProblemError("NUL characters in text (binary file, or UTF-16 without a BOM?)",
                                   source=source, row=text.count("\n", 0, text.index("\x00")) + 1,
                                   hint="save the file as UTF-8")
    out = Decoded(text=text, encoding=enc)
    if not unicodedata.is_normalized("NFC", text):
        out.text = unicodedata.normalize("NFC", text)
        out.conversions.append(f"{ENCODING_LABELS['nfd']} normalised to NFC")
    return out
