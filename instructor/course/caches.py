"""Fill the caches that grading reads, once, before any kernel runs."""

import os

from helpers.config import REPO_ROOT
from instructor.course.course_dir import assignments


def _readable_by_everyone(folder):
    """Let the sandbox's own user read the shared cache (files written by
    older versions, or by a user with umask 077, were private).

    Other processes may be writing the cache meanwhile (matplotlib's font
    cache, a notebook's chips): what vanishes during the walk is skipped.
    """
    import stat

    def widen(path, is_folder):
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                return
            wanted = mode | stat.S_IROTH | (stat.S_IXOTH if is_folder else 0)
            if wanted != mode:
                os.chmod(path, wanted)
        except FileNotFoundError:
            pass

    widen(folder, True)
    for parent, folders, files in os.walk(folder):
        for name in folders:
            widen(os.path.join(parent, name), True)
        for name in files:
            widen(os.path.join(parent, name), False)


def prepare(root=REPO_ROOT, names=None):
    """Fill the shared data cache that sandboxed notebooks read, once.

    Sandboxed kernels see the data cache read-only and have no network, so
    everything they load must be there first: LFW extracted, the face
    encoder converted, VGG16's weights and the paintings downloaded, and
    what the notebooks cache there (``instructor.course.warm``).  The
    hidden tests' fixtures (photo encodings, reference training steps) are
    computed here too, once, into the course's ``.grading_cache``.
    """
    from helpers.assets import (AssetError, fetch_asset, get_data_home,
                                load_registry)
    from helpers.data.lfw import lfw_image_dir

    problems = []
    try:
        lfw_image_dir()
    except AssetError as error:
        problems.append(str(error))
    for name in load_registry():
        if name in ("lfw_home", "vgg16_notop"):
            continue
        try:
            fetch_asset(name)
        except AssetError as error:
            problems.append(str(error))
    from helpers.assets import find_local_asset

    if find_local_asset("vgg16_notop") is None:
        try:
            from helpers.style.vgg import load_vgg16

            load_vgg16()
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            problems.append(f"VGG16 weights: {error}")
    from helpers.faces.encoder import _cache_path, load_keras_model

    if not _cache_path().is_file():
        load_keras_model()
    from instructor.course.warm import warm_data_cache

    problems += warm_data_cache(root, names or assignments(root))
    _readable_by_everyone(get_data_home())
    from instructor.grading import harness

    harness.prepare_fixtures(harness.default_fixture_dir(root), names)
    for problem in problems:
        print(f"prepare: {problem}")
    return problems
