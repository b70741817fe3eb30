"""Choosing float32 or mixed bfloat16 arithmetic for the fast style transfer."""

import numpy as np
import pytest

from helpers.style import images, objective, precision, transfer, vgg

SIZE = 64  # the size of the content and style fixtures (tests/conftest.py)


def write_cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {flags}\n\n")
    return str(path)


def test_native_bfloat16_needs_the_cpu_flag_and_onednn(tmp_path, monkeypatch):
    monkeypatch.setattr(precision.platform, "machine", lambda: "x86_64")
    with_flag = write_cpuinfo(tmp_path, "avx512f avx512_bf16")
    without = write_cpuinfo(tmp_path / "..", "avx2 avx512f")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    assert precision.native_bfloat16(with_flag)
    assert not precision.native_bfloat16(without)
    assert not precision.native_bfloat16(str(tmp_path / "missing"))
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")  # Eigen's bfloat16 is emulated
    assert not precision.native_bfloat16(with_flag)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    monkeypatch.setattr(precision.platform, "machine", lambda: "arm64")
    assert not precision.native_bfloat16(with_flag)


def test_resolve_precision(monkeypatch):
    assert precision.resolve_precision("float32") == "float32"
    assert precision.resolve_precision("mixed") == "mixed"
    monkeypatch.setattr(precision, "native_bfloat16", lambda: True)
    assert precision.resolve_precision("auto") == "mixed"
    monkeypatch.setattr(precision, "native_bfloat16", lambda: False)
    assert precision.resolve_precision() == "float32"
    with pytest.raises(ValueError, match="precision must be one of 'auto', 'float32'"):
        precision.resolve_precision("float16")


def test_tests_run_in_float32_because_onednn_is_off():
    # conftest applies REPRODUCIBLE_ENV (oneDNN off), so "auto" is float32 here.
    assert precision.resolve_precision("auto") == "float32"


def test_bfloat16_extractor_matches_float32(content):
    layers = ["block5_conv2", "block1_conv1", "block3_conv1"]
    reference = vgg.FeatureExtractor(layers).numpy(content[None])
    low = vgg.Bfloat16FeatureExtractor(layers)(content[None])
    assert list(low) == layers
    for name in layers:
        value = low[name].numpy()
        assert value.dtype == np.float32 and value.shape == reference[name].shape
        error = np.linalg.norm(value - reference[name]) / np.linalg.norm(reference[name])
        assert error < 0.05, f"{name}: relative error {error:.3f}"


def test_bfloat16_cost_and_gradient_are_close(content, style):
    cost = objective.StyleCost(content, style)
    generated = np.clip(content + 0.1 * np.sin(content * 20), 0, 1)[None]
    value, grad = cost.value_and_grad(generated)
    low_value, low_grad = cost.value_and_grad(generated, dtype="bfloat16")
    assert float(low_value) == pytest.approx(float(value), rel=0.02)
    cosine = float(np.sum(grad * low_grad) / np.linalg.norm(grad) / np.linalg.norm(low_grad))
    assert cosine > 0.95
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'bfloat16'"):
        cost.value_and_grad(generated, dtype="float16")


def test_mixed_fast_transfer_finishes_in_float32(content, style):
    result = transfer.fast_transfer(content, style, size=SIZE, levels=(32, SIZE),
                                    iterations=(6, 8), precision="mixed", progress=False)
    assert result.config["precision"] == "mixed"
    last_level = [h["dtype"] for h in result.history if h["level"] == SIZE]
    assert last_level == ["bfloat16"] * 6 + ["float32"] * 2
    assert {h["dtype"] for h in result.history if h["level"] == 32} == {"bfloat16"}
    float32_cost = objective.StyleCost(images.resize_long_side(content, SIZE), style)
    assert result.final_loss == pytest.approx(float(float32_cost(result.image)), rel=1e-5)
    assert result.final_loss < 0.7 * float(float32_cost(content))


def test_mixed_target_loss_is_met_in_float32(content, style):
    full = transfer.fast_transfer(content, style, size=32, levels=(32,), iterations=(12,),
                                  precision="float32", progress=False)
    target = full.history[4]["loss"]
    early = transfer.fast_transfer(content, style, size=32, levels=(32,), iterations=(40,),
                                   precision="mixed", target_loss=target, progress=False)
    assert early.final_loss <= target  # final_loss is the float32 cost
    float32_cost = objective.StyleCost(images.resize_long_side(content, 32), style)
    assert early.final_loss == pytest.approx(float(float32_cost(early.image)), rel=1e-5)
    assert len(early.history) < 40


def test_bad_precision_is_named(content, style):
    with pytest.raises(ValueError, match="precision must be one of"):
        transfer.fast_transfer(content, style, size=32, precision="half")
    with pytest.raises(ValueError, match="precision must be 'float32' or 'mixed'"):
        transfer.lbfgs_optimize(objective.StyleCost(content, style), content, 2,
                                precision="bfloat16", progress=False)
