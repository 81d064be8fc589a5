"""The officer's workbench: `reconcile review` (a local web app), its JSON API and the W3C
Reconciliation Service API 0.2, plus `reconcile learn` and `reconcile decisions export|import`.

Modules: `service` (the one-claim query, the batch behind the queue), `server` (Starlette routes of
pages and JSON API), `recon` (Reconciliation API), `security` (token, CSRF, CORS, limits, logs),
`views` (chart geometry), `i18n` (words), `learn` (learning from decisions), `cli` (sub-commands).
Templates and static assets are package files; nothing is fetched from the network.
Needs the `app` extra (`pip install "reconcile[app]"`); importing this package alone does not.
"""
