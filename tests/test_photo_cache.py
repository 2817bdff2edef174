"""Photo conversions are cached: a second build encodes nothing and writes the same bytes as a fresh encode."""
import hashlib

from conftest import small_build

import explainer.write as write


def photo_digests(site):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((site / "photos").iterdir())}


def test_second_build_encodes_nothing_and_matches_a_fresh_encode(small, monkeypatch, tmp_path):
    content, photos, cache, out = small
    calls = []
    real = write.encode_photo
    monkeypatch.setattr(write, "encode_photo", lambda image, folder: calls.append(folder) or real(image, folder))
    small_build(small)
    first = photo_digests(out)
    n_photos = len(calls)
    assert n_photos > 0 and len(list((cache / "photos").iterdir())) == n_photos
    assert all((entry / "done").exists() for entry in (cache / "photos").iterdir())

    small_build((content, photos, cache, out.parent / "again"))
    assert len(calls) == n_photos  # every photo from the cache: no encoder call
    assert photo_digests(out.parent / "again") == first

    fresh_cache = tmp_path / "fresh-cache"  # a cold cache encodes again, to the same bytes
    (fresh_cache / "models").mkdir(parents=True)
    for model in (cache / "models").iterdir():
        (fresh_cache / "models" / model.name).symlink_to(model)
    small_build((content, photos, fresh_cache, out.parent / "fresh"))
    assert len(calls) == 2 * n_photos
    assert photo_digests(out.parent / "fresh") == first


def test_the_key_follows_the_photo_and_the_settings(monkeypatch):
    class Photo:
        sha256 = "a" * 64
    class Other:
        sha256 = "b" * 64
    key = write.photo_cache_key(Photo)
    assert key != write.photo_cache_key(Other)
    monkeypatch.setattr(write, "PHOTO_CACHE_VERSION", write.PHOTO_CACHE_VERSION + 1)
    assert write.photo_cache_key(Photo) != key
    monkeypatch.setattr(write, "THUMB_WIDTH", 200)
    assert write.photo_cache_key(Photo) != key
