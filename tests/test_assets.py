"""Asset resolution: order, checksums, corrupt files, offline errors."""

import hashlib
import json
from pathlib import Path

import pytest

from helpers import assets, settings

SHARED = Path(assets.REPO_ROOT).parent / "shared" / "assets"


def manifest_rows():
    """Parse ../shared/assets/MANIFEST.md: filename -> (bytes, sha256)."""
    rows = {}
    for line in (SHARED / "MANIFEST.md").read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.split("|")]
        if len(cells) > 4 and len(cells[3]) == 64:
            rows[cells[1]] = (int(cells[2].replace(",", "")), cells[3])
    return rows


@pytest.fixture
def fake_asset(tmp_path, monkeypatch):
    """Register a tiny asset 'tiny' served from a local file:// URL."""
    payload = b"faces and styles\n"
    source = tmp_path / "source.txt"
    source.write_bytes(payload)
    registry = {
        "tiny": {
            "filename": "sub/tiny.txt",
            "bytes": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "url": source.as_uri(),
            "online_source": "a test file",
            "description": "a tiny test asset",
        }
    }
    registry_path = tmp_path / "assets.json"
    registry_path.write_text(json.dumps(registry))
    monkeypatch.setattr(assets, "REGISTRY_PATH", registry_path)
    monkeypatch.setattr(
        assets, "load_registry",
        lambda path=registry_path: {
            n: assets.Asset(name=n, **f) for n, f in registry.items()
        },
    )
    monkeypatch.delenv(settings.variable("ASSETS"), raising=False)
    return payload, source


def test_registry_matches_shared_manifest():
    rows = manifest_rows()
    registry = assets.load_registry()
    assert {a.filename for a in registry.values()} == set(rows)
    for asset in registry.values():
        assert rows[asset.filename] == (asset.bytes, asset.sha256), asset.name


def test_offline_assets_resolve_from_environment_directory():
    assert settings.value("ASSETS"), (
        "FACES_STYLES_ASSETS must name the offline asset directory in CI")
    for name in assets.load_registry():
        path = assets.fetch_asset(name, download_if_missing=False)
        assert path.is_file()


def test_explicit_directory_wins(fake_asset, tmp_path):
    payload, _ = fake_asset
    local = tmp_path / "local"
    (local / "sub").mkdir(parents=True)
    (local / "sub" / "tiny.txt").write_bytes(payload)
    found = assets.fetch_asset("tiny", asset_dir=local,
                               data_home=tmp_path / "cache")
    assert found == local / "sub" / "tiny.txt"


def test_download_is_verified_and_cached(fake_asset, tmp_path):
    payload, _ = fake_asset
    cache = tmp_path / "cache"
    found = assets.fetch_asset("tiny", data_home=cache)
    assert found == cache / "sub" / "tiny.txt"
    assert found.read_bytes() == payload


def test_corrupt_cache_is_set_aside_and_refetched(fake_asset, tmp_path):
    payload, _ = fake_asset
    cache = tmp_path / "cache"
    (cache / "sub").mkdir(parents=True)
    (cache / "sub" / "tiny.txt").write_bytes(b"partial")
    found = assets.fetch_asset("tiny", data_home=cache)
    assert found.read_bytes() == payload
    assert (cache / "sub" / "tiny.txt.corrupt").read_bytes() == b"partial"


def test_corrupt_download_is_never_used(fake_asset, tmp_path):
    _, source = fake_asset
    source.write_bytes(b"tampered content!")
    cache = tmp_path / "cache"
    with pytest.raises(assets.AssetError, match="checksum"):
        assets.fetch_asset("tiny", data_home=cache)
    assert not (cache / "sub" / "tiny.txt").exists()


def test_corrupt_local_file_is_ignored(fake_asset, tmp_path):
    local = tmp_path / "local"
    (local / "sub").mkdir(parents=True)
    (local / "sub" / "tiny.txt").write_bytes(b"garbage")
    with pytest.raises(assets.AssetError) as error:
        assets.fetch_asset("tiny", asset_dir=local, data_home=tmp_path / "c",
                           download_if_missing=False)
    assert "corrupt or partial" in str(error.value)
    assert (local / "sub" / "tiny.txt").read_bytes() == b"garbage"


def test_offline_and_missing_gives_one_clear_error(fake_asset, tmp_path):
    _, source = fake_asset
    source.unlink()  # the "server" is unreachable
    with pytest.raises(assets.AssetError) as error:
        assets.fetch_asset("tiny", data_home=tmp_path / "cache")
    message = str(error.value)
    assert "'tiny'" in message
    assert "download from" in message
    assert settings.variable("ASSETS") in message and "sha256" in message


def test_unknown_asset_lists_known_names():
    with pytest.raises(KeyError, match="starry_night"):
        assets.get_asset("mona_lisa")


def test_lfw_data_home_has_scikit_learn_layout():
    home = assets.lfw_data_home()
    lfw = home / "lfw_home"
    assert (lfw / "lfw_funneled" / "George_W_Bush").is_dir()
    for name in assets.LFW_FILES:
        assert (lfw / name).is_file()


def test_replaced_atomically_keeps_the_old_file_when_a_writer_fails(tmp_path):
    target = tmp_path / "cache" / "file.bin"
    with assets.replaced_atomically(target) as temporary:
        assert temporary.parent == target.parent and temporary != target
        temporary.write_bytes(b"first")
    assert target.read_bytes() == b"first"
    with pytest.raises(RuntimeError):
        with assets.replaced_atomically(target, suffix=".part.npy") as temporary:
            assert temporary.name.endswith(".part.npy")
            temporary.write_bytes(b"half")
            raise RuntimeError("writer died")
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]
    assert assets.set_aside(target) == target.with_name("file.bin.corrupt")
    assert assets.set_aside(target) is None  # already set aside elsewhere
