"""Self-contained, light, offline HTML review report for verification officers.

Owns turning claims + `match` + `leads` frames (DESIGN.md contracts) into ONE html file that opens from
a USB stick with no network. The data is embedded once as compact JSON and the page's small script
renders claims on demand (a virtualised list, a claim's detail when opened), with folded search and
filters by status and commune. Vietnamese by default, English with `lang="en"`.

Modules: `triage` (review piles: `ReportConfig`, `STATUSES`, `claim_status`), `strings` (vi/en words),
`render` (payload, page, `report`); `assets/` holds the CSS and JS (package files).
"""

from __future__ import annotations

from reconcile.report.render import (
    PAYLOAD_ID,
    build_payload,
    claims_frame,
    embed_payload,
    esc,
    evidence_rows,
    evidence_words,
    expand,
    field_label,
    fold_search,
    json_for_html,
    kin_pairs,
    one_year,
    place_key,
    read_payload,
    render_html,
    report,
    script_text,
    style_text,
)
from reconcile.report.strings import STRINGS, words
from reconcile.report.triage import STATUSES, ReportConfig, claim_status

__all__ = ["report", "render_html", "build_payload", "embed_payload", "read_payload", "expand", "claim_status",
           "ReportConfig", "STATUSES", "STRINGS", "words", "esc", "fold_search", "json_for_html", "place_key",
           "evidence_rows", "evidence_words", "kin_pairs", "field_label", "one_year", "claims_frame", "script_text",
           "style_text",
           "PAYLOAD_ID"]
