"""Vietnamese facts and text, with no knowledge of registers or models: `text` (NFC, norm, fold),
`encodings` (decoding bytes, legacy Vietnamese encodings), `names` (naming cultures, surname/clan
variants, phonetic keys, teknonyms, sex markers), `places` (the gazetteer 1976–2025 and lineage),
`dates` (partial dates, birth-year intervals, zodiac and Tết, citizen ids).

Everything else reads Vietnamese through these modules; they import nothing outside `reconcile.vn`,
`reconcile.errors` and the package data.
"""
