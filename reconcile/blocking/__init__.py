"""Blocking: candidate (claim, person) pairs from postings of several keys, bounded per block.

`postings.py` (sorted key arrays built with the index), `keys.py` (the claim side of each key),
`bounds.py` (`CandidateConfig`, the year window and the ranked cut), `candidates.py`
(`candidates(claims, index, config) -> CandidateSet`) and `stats.py` (`CandidateStats`).
"""
