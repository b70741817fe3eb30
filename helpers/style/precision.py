"""Which arithmetic the fast style transfer uses: float32 or mixed bfloat16.

``"mixed"`` runs the VGG16 convolutions of most L-BFGS iterations in
bfloat16 (:class:`helpers.style.vgg.Bfloat16FeatureExtractor`) and the last
ones, and every reported cost, in float32.  It only pays off on CPUs with
bfloat16 instructions (AVX512-BF16 or AMX) and TensorFlow's oneDNN kernels;
elsewhere bfloat16 is emulated and slower than float32.  ``"auto"`` picks
``"mixed"`` exactly there, so a laptop without those instructions keeps
float32.
"""

from __future__ import annotations

import os
import platform

PRECISIONS = ("auto", "float32", "mixed")

#: CPU feature flags (as Linux names them) that give native bfloat16 arithmetic.
BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The CPU feature flags Linux reports (an empty set elsewhere)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def onednn_enabled():
    """False when TF_ENABLE_ONEDNN_OPTS=0 turned TensorFlow's oneDNN kernels off."""
    return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip() not in ("0", "false", "False")


def native_bfloat16(cpuinfo="/proc/cpuinfo"):
    """True when bfloat16 convolutions are faster than float32 here."""
    if platform.machine().lower() not in ("x86_64", "amd64") or not onednn_enabled():
        return False
    return bool(cpu_flags(cpuinfo) & set(BFLOAT16_CPU_FLAGS))


def resolve_precision(precision="auto"):
    """``"float32"`` or ``"mixed"``; ``"auto"`` means mixed where it is faster."""
    if precision not in PRECISIONS:
        raise ValueError(
            f"precision must be one of {', '.join(map(repr, PRECISIONS))}, got {precision!r}."
        )
    if precision == "auto":
        return "mixed" if native_bfloat16() else "float32"
    return precision
