"""The package imports, exposes the SPEC API names and the command line parses."""

import pytest

import reconcile as rc
from reconcile import cli


def test_public_api_names_are_functions():
    for name in ["read_population", "read_claims", "build_index", "load_index", "match", "leads", "report"]:
        assert callable(getattr(rc, name)), name


def test_cli_requires_a_command():
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code != 0


def test_cli_match_requires_index():
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["match", "claims.jsonl", "--out", "x.csv"])
