"""Two builds from the same inputs give byte-identical sites; the date shown honours SOURCE_DATE_EPOCH."""
import hashlib

from conftest import small_build


def digests(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(small, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    content, photos, cache, out = small
    small_build(small)
    first = digests(out)
    small_build((content, photos, cache, out.parent / "again"))
    assert digests(out.parent / "again") == first
    assert len(first) > 30


def test_source_date_epoch_sets_the_date_shown(small, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    small_build(small)
    assert "Built 2023-11-14 with" in (small[3] / "index.html").read_text()
