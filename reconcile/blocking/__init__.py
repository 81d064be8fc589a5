"""Blocking: candidate (claim, person) pairs from postings of several keys, bounded per block.

`postings.py`: the register side (sorted packed keys, offsets, people by birth year per key kind),
built with the index. `candidates.py`: `CandidateConfig`, each claim's keys, the bounds (year
window, ranked cut, per-claim cap), `CandidateSet` and `CandidateStats`.
"""
