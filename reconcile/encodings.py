"""Decoding input bytes (UTF-8 ± BOM, UTF-16 with BOM) and detecting/repairing legacy Vietnamese text.

Owns `decode_bytes` (bytes of a whole file → str + what was converted) and `repair_text` /
`repair_series` (text that went through a legacy encoding or was mis-decoded → NFC Unicode).
Conversions are reported, never silent: the loader turns the notes into an `EncodingConverted`
warning and into `LoadReport.conversions`. Detection is conservative: genuine NFC/NFD Vietnamese is
never "converted".
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field

from reconcile.errors import EncodingProblemError

__all__ = ["ReconcileWarning", "EncodingConverted", "Decoded", "decode_bytes"]


class ReconcileWarning(UserWarning):
    """Base of reconcile's warnings (input accepted, but the officer/analyst should know)."""


class EncodingConverted(ReconcileWarning):
    """Input text was converted from a legacy or mis-decoded encoding (the message says which)."""


@dataclass
class Decoded:
    text: str
    encoding: str                      # what the bytes were read as, e.g. "utf-8", "utf-8-sig", "utf-16"
    conversions: list[str] = field(default_factory=list)   # human-readable notes of repairs done


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_bytes(data: bytes, source: str = "input") -> Decoded:
    """Decode a whole file's bytes to NFC text.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are read directly. Other bytes raise
    `EncodingProblemError` naming the line of the first undecodable byte, unless a legacy decoder
    recognises them (see `detect_legacy`).
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
        legacy = _decode_legacy_bytes(data)
        if legacy is not None:
            return legacy
        line = _line_of_offset(data, exc.start) if enc == "utf-8" else None
        raise EncodingProblemError(
            f"bytes that are not {enc.upper()} (byte 0x{data[exc.start]:02X} at offset {exc.start})",
            source=source, row=line,
            hint="save the file as UTF-8 (Excel: 'CSV UTF-8'; Unikey toolkit can convert TCVN3/VNI to Unicode)",
        ) from None
    if "\x00" in text:
        raise EncodingProblemError("NUL characters in text (binary file or UTF-16 without a BOM?)",
                                   source=source, row=text.count("\n", 0, text.index("\x00")) + 1,
                                   hint="save the file as UTF-8")
    out = Decoded(text=text, encoding=enc)
    if not unicodedata.is_normalized("NFC", text):
        out.text = unicodedata.normalize("NFC", text)
        out.conversions.append("decomposed (NFD) Unicode normalised to NFC")
    return out


def _decode_legacy_bytes(data: bytes) -> Decoded | None:
    """Placeholder until the legacy tables land: nothing recognised."""
    return None
