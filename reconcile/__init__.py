"""reconcile: find out who a person without papers is, from partial claims and a population register.

Public API (contract in docs/SPEC.md, internals in DESIGN.md):

    import reconcile as rc
    pop = rc.read_population("population.csv")
    index = rc.build_index(pop); index.save("province.rcidx"); index = rc.load_index("province.rcidx")
    claims = rc.read_claims("claims.jsonl")
    candidates = rc.match(claims, index, top_k=10)
    one = rc.query({"claim_id": "C1", "name": "Giàng A Páo", "birth_year": 1980}, index)
    leads = rc.leads(claims, index, top_k=20)
    rc.report(claims, index, out="report.html")
"""

from __future__ import annotations

from reconcile._version import __version__

from reconcile.errors import (  # noqa: E402
    DataQualityWarning,
    EncodingConverted,
    IndexFormatError,
    InputErrors,
    ReconcileError,
    ReconcileInputError,
    ReconcileWarning,
)
from reconcile.io import LoadReport, read_claims, read_population  # noqa: E402
from reconcile.index import Index, build_index, load_index  # noqa: E402
from reconcile.matching import match  # noqa: E402
from reconcile.engine import EngineConfig, Matcher, query  # noqa: E402
from reconcile.leads.config import LeadsConfig  # noqa: E402
from reconcile.blocking.candidates import CandidateConfig  # noqa: E402

# The modules `reconcile.leads` and `reconcile.report` share their function's name: import the
# modules first, then bind the functions, so `rc.leads` / `rc.report` are always the functions.
import reconcile.leads as _leads_module  # noqa: E402
import reconcile.report as _report_module  # noqa: E402

leads = _leads_module.leads
report = _report_module.report

__all__ = [
    "DataQualityWarning",
    "EncodingConverted",
    "EngineConfig",
    "LeadsConfig",
    "CandidateConfig",
    "Index",
    "Matcher",
    "LoadReport",
    "ReconcileWarning",
    "IndexFormatError",
    "InputErrors",
    "ReconcileError",
    "ReconcileInputError",
    "__version__",
    "build_index",
    "leads",
    "load_index",
    "match",
    "query",
    "read_claims",
    "read_population",
    "report",
]
