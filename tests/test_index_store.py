"""A saved index lacking what this version reads is refused with the rebuild command."""

import json

import pytest

import reconcile as rc
from reconcile import synth
from reconcile.errors import IndexFormatError


def test_index_saved_without_a_vocabulary_this_version_reads_is_refused(tmp_path):
    idx = rc.build_index(synth.generate_population(400, 3))
    path = idx.save(tmp_path / "old.rcidx")
    assert rc.load_index(path).n_people == idx.n_people
    mpath = path / "manifest.json"
    manifest = json.loads(mpath.read_text("utf-8"))
    manifest["vocabs"] = [v for v in manifest["vocabs"] if v != "place_text"]
    mpath.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexFormatError, match=r"without place_text.*rebuild it with `reconcile index"):
        rc.load_index(path)
