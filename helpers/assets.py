"""Resolve the course's external assets (datasets, weights, paintings) by name.

Every file that no Python package ships is listed in ``data/assets.json``
with its size, sha256 checksum and where it comes from online.  A name is
resolved in this order, in the style of scikit-learn's dataset fetchers:

1. ``asset_dir``, an explicit directory argument;
2. the directory named by the ``FACES_STYLES_ASSETS`` environment variable;
3. the cache, ``data_home`` (default ``data/cache`` in the repository, or the
   directory named by ``FACES_STYLES_DATA``);
4. a download from the canonical URL into the cache, checksum verified.

A file whose checksum does not match is never used: in the cache it is moved
aside to ``<name>.corrupt`` (nothing is deleted) and fetched again.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from helpers import settings
from helpers.config import REPO_ROOT

REGISTRY_PATH = REPO_ROOT / "data" / "assets.json"


class AssetError(RuntimeError):
    """An asset is missing, corrupt or cannot be downloaded."""


@dataclass(frozen=True)
class Asset:
    """One registered external file."""

    name: str
    filename: str
    bytes: int
    sha256: str
    url: str | None
    online_source: str
    description: str


def load_registry(path=REGISTRY_PATH):
    """Return the registry of assets as a dict ``name -> Asset``."""
    with open(path, encoding="utf-8") as handle:
        entries = json.load(handle)
    return {name: Asset(name=name, **fields) for name, fields in entries.items()}


def get_asset(name):
    """Return the registry entry for ``name`` or raise a helpful KeyError."""
    registry = load_registry()
    if name not in registry:
        raise KeyError(
            f"Unknown asset {name!r}. Registered assets: "
            f"{', '.join(sorted(registry))}."
        )
    return registry[name]


def get_data_home(data_home=None):
    """Return (and create) the cache directory for assets and derived files."""
    if data_home is None:
        data_home = settings.value("DATA") or REPO_ROOT / "data" / "cache"
    data_home = Path(data_home).expanduser()
    data_home.mkdir(parents=True, exist_ok=True)
    return data_home


def asset_dirs(asset_dir=None):
    """Return the local asset directories to search, in priority order."""
    dirs = []
    if asset_dir is not None:
        dirs.append(Path(asset_dir).expanduser())
    env_dir = settings.value("ASSETS")
    if env_dir:
        dirs.append(Path(env_dir).expanduser())
    return dirs


_VERIFIED = {}


def sha256_of(path, chunk_size=1 << 20):
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_valid(path, asset):
    """Return True when ``path`` has the asset's size and checksum."""
    path = Path(path)
    if not path.is_file():
        return False
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        _VERIFIED[key] = (
            stat.st_size == asset.bytes and sha256_of(path) == asset.sha256
        )
    return _VERIFIED[key]


def _how_to_supply(asset, cache_path):
    return (
        f"Online it comes from: {asset.online_source}"
        + (f" ({asset.url})" if asset.url else "")
        + f".\nTo supply it by hand, put the file {asset.filename!r} "
        f"(sha256 {asset.sha256}) in a directory and set "
        f"{settings.variable('ASSETS')}=<that directory>, or copy it to "
        f"{cache_path}."
    )


def _download(asset, destination):
    with replaced_atomically(destination) as temporary:
        with urllib.request.urlopen(asset.url, timeout=60) as response:
            with open(temporary, "wb") as out:
                shutil.copyfileobj(response, out)
        if not is_valid(temporary, asset):
            raise AssetError(
                f"The download of asset {asset.name!r} from {asset.url} has "
                f"the wrong size or checksum (expected sha256 "
                f"{asset.sha256}); it was not used."
            )


def data_home_is_read_only():
    """Return True when the data cache is shared read-only (e.g. grading)."""
    return settings.value("READONLY_DATA")


def _in_read_only_data_home(path):
    if not data_home_is_read_only():
        return False
    home = Path(settings.value("DATA") or REPO_ROOT / "data" / "cache")
    home = home.expanduser()
    try:
        Path(path).resolve().relative_to(home.resolve())
    except ValueError:
        return False
    return True


def set_aside(path):
    """Rename a corrupt file to ``*.corrupt`` so it is kept but never used.

    Returns the new path, or None when the file is already gone (another
    process set it aside first) or the cache is read-only.
    """
    path = Path(path)
    aside = path.with_name(path.name + ".corrupt")
    if _in_read_only_data_home(path):
        return None
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return None
    return aside


def _umask():
    """Return the process's file-creation mask."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def replaced_atomically(path, suffix=".part"):
    """Yield a private temporary path beside ``path``; rename it over ``path`` on success.

    Every writer gets its own file (``suffix`` keeps the extension a writer
    may require, e.g. ".weights.h5"), so processes writing the same cache at
    once cannot mix their bytes and readers only ever see a complete file.
    On an exception the temporary file is removed and ``path`` is untouched.
    With ``FACES_STYLES_READONLY_DATA=1`` a path inside the data cache is
    left untouched: the writer gets a throwaway file instead.
    """
    path = Path(path)
    if _in_read_only_data_home(path):
        # A shared read-only cache: the result is computed but not kept.
        with tempfile.TemporaryDirectory() as private:
            yield Path(private) / f"{path.name}{suffix}"
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    temporary = Path(temporary)
    try:
        yield temporary
        # mkstemp makes the file private (0600); a cache is shared like any
        # file this user writes (e.g. read by sandboxed grading).
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def fetch_asset(name, asset_dir=None, data_home=None, download_if_missing=True):
    """Return the local path of asset ``name``, downloading it if needed.

    Raises ``AssetError`` naming the asset, its online source and how to
    supply it by hand when it cannot be found or verified.
    """
    asset = get_asset(name)
    problems = []
    for directory in asset_dirs(asset_dir):
        candidate = directory / asset.filename
        if is_valid(candidate, asset):
            return candidate
        if candidate.exists():
            problems.append(
                f"{candidate} exists but its size or sha256 does not match "
                "(corrupt or partial file); it was ignored"
            )
        else:
            problems.append(f"not in {directory}")

    cache_path = get_data_home(data_home) / asset.filename
    if is_valid(cache_path, asset):
        return cache_path
    if cache_path.exists():
        aside = set_aside(cache_path)
        problems.append(f"the cached copy was corrupt and was moved to {aside}")

    if not download_if_missing:
        problems.append("download_if_missing=False")
    elif asset.url is None:
        problems.append("it has no direct download URL in this project")
    else:
        try:
            _download(asset, cache_path)
            return cache_path
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            problems.append(f"download from {asset.url} failed: {error}")

    raise AssetError(
        f"Asset {name!r} ({asset.description}) is not available: "
        + "; ".join(problems)
        + ".\n"
        + _how_to_supply(asset, cache_path)
    )


def find_local_asset(name, asset_dir=None, data_home=None):
    """Return a verified local path of asset ``name`` or None (no download)."""
    try:
        return fetch_asset(
            name, asset_dir, data_home=data_home, download_if_missing=False
        )
    except AssetError:
        return None


LFW_FILES = ("pairs.txt", "pairsDevTrain.txt", "pairsDevTest.txt")


def _lfw_extracted(data_home):
    lfw_home = data_home / "lfw_home"
    return (lfw_home / "lfw_funneled").is_dir() and all(
        (lfw_home / name).is_file() for name in LFW_FILES
    )


def lfw_data_home(asset_dir=None, data_home=None):
    """Return a scikit-learn ``data_home`` for the LFW fetchers.

    When the ``lfw_home`` tarball is in a local asset directory it is
    extracted (once) into the cache, because scikit-learn writes its own
    joblib cache inside ``data_home``.  Otherwise the cache directory is
    returned and scikit-learn downloads LFW there itself.
    """
    home = get_data_home(data_home)
    if _lfw_extracted(home):
        return _private_mirror(home) if data_home_is_read_only() else home
    if data_home_is_read_only():
        raise AssetError(
            f"The shared, read-only data cache {home} holds no extracted LFW. "
            "Whoever manages it must prepare it once (for grading: "
            "`python -m instructor.course prepare`).")
    tarball = find_local_asset("lfw_home", asset_dir, data_home=home)
    if tarball is None:
        return home
    # One process extracts; the others wait for it and then find it done.
    with open(home / ".lfw_extract.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _lfw_extracted(home):
            _extract_lfw(tarball, home)
    return home


def _extract_lfw(tarball, home):
    """Extract the LFW tarball into ``home`` through a staging folder."""
    staging = Path(tempfile.mkdtemp(dir=home, prefix="lfw_extract_"))
    try:
        with tarfile.open(tarball) as archive:
            archive.extractall(staging, filter="data")
        if not (staging / "lfw_home").is_dir():
            raise AssetError(
                f"{tarball} does not contain an 'lfw_home' folder; it is not "
                "the LFW tarball this course expects."
            )
        target = home / "lfw_home"
        if target.exists():
            # An earlier, interrupted extraction: keep it aside, never delete.
            os.replace(target, home / f"lfw_home.incomplete.{os.getpid()}")
        os.replace(staging / "lfw_home", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def link_tree(source, target, link_to=None):
    """Recreate ``source``'s folders under ``target``, files as links to it.

    The copy can be read like the original and written without touching
    it: new files land in ``target`` only.  The links point into
    ``link_to`` (default ``source``), for when the original is seen at
    another path by whoever reads the copy.
    """
    source, target = Path(source), Path(target)
    link_to = Path(link_to or source)
    for folder, _, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            link = target / relative / name
            if not link.exists() and not link.is_symlink():
                link.symlink_to(link_to / relative / name)
    return target


def _private_mirror(home):
    """Return a writable data home whose LFW files link to a read-only one.

    scikit-learn keeps a joblib cache inside ``lfw_home``; when that folder
    cannot be written (a shared read-only cache) it gets a private copy
    whose files link to the shared ones.  Paths then differ from the
    shared cache's, so path-keyed caches miss: the grading sandbox avoids
    this by mounting a private joblib folder at the shared path instead.
    """
    source = home / "lfw_home"
    if os.access(source / "joblib", os.W_OK):
        return home
    mirror = Path(tempfile.gettempdir()) / f"faces-styles-data-{os.getuid()}"
    target = mirror / "lfw_home"
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        link = target / entry.name
        if entry.name == "joblib":
            link_tree(entry, link)
        elif not link.exists() and not link.is_symlink():
            link.symlink_to(entry)
    return mirror


def asset_report(asset_dir=None, data_home=None):
    """Return one row per asset: (name, 'ready' or 'missing', where)."""
    rows = []
    for name, asset in load_registry().items():
        path = find_local_asset(name, asset_dir, data_home=data_home)
        if path is not None:
            rows.append((name, "ready", str(path)))
        else:
            rows.append((name, "missing", asset.online_source))
    return rows
