"""Tests of helpers.faces.dlib_format, the reader of dlib's DNN file."""

import re

import numpy as np
import pytest

from helpers.faces.dlib_format import (
    MODEL_FILENAME,
    Reader,
    locate_model_file,
    read_dlib_model,
)


@pytest.fixture(scope="module")
def model_bytes():
    return locate_model_file().read_bytes()


@pytest.fixture(scope="module")
def network():
    return read_dlib_model()


def test_model_file_is_found():
    path = locate_model_file()
    assert path.name == MODEL_FILENAME
    assert path.stat().st_size == 22_466_066


def test_real_file_parses_to_the_end(network):
    kinds = [layer.kind for layer in network.layers]
    assert kinds.count("con") == 29
    assert kinds.count("affine") == 29
    assert kinds.count("fc") == 1 and kinds[-1] == "fc"
    assert kinds[:4] == ["con", "affine", "relu", "max_pool"]
    parameters = sum(value.size for layer in network.layers
                     for value in layer.params.values()
                     if isinstance(value, np.ndarray))
    assert parameters == 5_614_592
    assert network.input_size == (150, 150)
    assert np.allclose(network.input_means, (122.782, 117.001, 104.298),
                       atol=1e-4)
    assert network.margin == pytest.approx(0.04)
    assert network.distance_threshold == pytest.approx(0.6)


def test_layer_shapes(network):
    first = network.layers[0]
    assert first.params["kernel"].shape == (32, 3, 7, 7)
    assert first.params["bias"].shape == (32,)
    assert first.params["stride"] == (2, 2)
    assert first.params["padding"] == (0, 0)
    assert network.layers[-1].params["kernel"].shape == (256, 128)
    for layer in network.layers:
        for value in layer.params.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32
                assert np.all(np.isfinite(value))


def read(method, data):
    """Decode ``data`` with one Reader method; check every byte was used."""
    reader = Reader(bytes(data))
    value = getattr(reader, method)()
    assert reader.at_end()
    return value


@pytest.mark.parametrize("data, value", [
    ([0x01, 0x00], 0), ([0x01, 0x96], 150), ([0x81, 0x1C], -28),
    ([0x02, 0x2C, 0x01], 300), ([0x82, 0x00, 0x7D], -32000),
    ([0x04, 0x00, 0x00, 0x00, 0x80], 2 ** 31),
])
def test_integers_are_sign_and_magnitude(data, value):
    assert read("integer", data) == value


def test_bad_integer_control_bytes_are_rejected():
    for control in (0x10, 0x00, 0x09):
        with pytest.raises(ValueError,
                           match=r"byte [01]: bad integer control"):
            read("integer", [control, 0x01])
    with pytest.raises(ValueError, match="expected an unsigned"):
        read("unsigned", [0x81, 0x01])


def test_floats_are_mantissa_and_exponent():
    value = read("real", [0x03, 0x0A, 0xD7, 0xA3, 0x81, 0x1C])
    assert np.float32(value) == np.float32(0.04)
    assert value == 0xA3D70A * 2.0 ** -28
    assert read("real", [0x01, 0x03, 0x01, 0x00]) == 3.0
    assert read("real", [0x81, 0x03, 0x01, 0x01]) == -6.0
    assert read("real", [0x01, 0x00, 0x02, 0x00, 0x7D]) == np.inf
    assert read("real", [0x01, 0x00, 0x02, 0x01, 0x7D]) == -np.inf
    assert np.isnan(read("real", [0x01, 0x00, 0x02, 0x02, 0x7D]))
    with pytest.raises(ValueError, match="ASCII float"):
        read("real", b"0.5")


def test_strings_and_bools():
    assert read("string", b"\x01\x05relu_") == "relu_"
    assert read("string", [0x01, 0x00]) == ""
    assert read("boolean", b"1") is True
    assert read("boolean", b"0") is False
    with pytest.raises(ValueError, match="bad bool"):
        read("boolean", b"\x01")
    with pytest.raises(ValueError, match="unexpected end of file"):
        read("string", b"\x01\x09short")


def test_tensors_are_little_endian_float32():
    values = np.arange(6, dtype="<f4") / 4
    header = bytes([0x01, 0x02, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01,
                    0x01, 0x03])
    tensor = read("tensor", header + values.tobytes())
    assert tensor.shape == (1, 2, 1, 3)
    assert np.array_equal(tensor.ravel(), values)
    with pytest.raises(ValueError, match="tensor version"):
        read("tensor", bytes([0x01, 0x03]) + header[2:] + values.tobytes())


def offset_in(message):
    """Return the byte offset named in a reader error message."""
    found = re.search(r"byte (\d+)", message)
    assert found, message
    return int(found.group(1))


def test_truncated_file_is_rejected_with_its_offset(tmp_path, model_bytes):
    path = tmp_path / "truncated.dat"
    path.write_bytes(model_bytes[:-1000])
    with pytest.raises(ValueError, match="unexpected end of file") as error:
        read_dlib_model(path)
    # the offset is where the read that runs past the end starts
    message = str(error.value)
    wanted = int(re.search(r"wanted (\d+) bytes", message).group(1))
    offset = offset_in(message)
    assert offset <= len(model_bytes) - 1000 < offset + wanted


def test_trailing_bytes_are_rejected(tmp_path, model_bytes):
    path = tmp_path / "longer.dat"
    path.write_bytes(model_bytes + b"\x00" * 7)
    with pytest.raises(ValueError, match="7 unread bytes") as error:
        read_dlib_model(path)
    assert offset_in(str(error.value)) == len(model_bytes)


def test_corrupted_record_name_is_rejected(tmp_path, model_bytes):
    position = model_bytes.index(b"con_4")
    path = tmp_path / "renamed.dat"
    path.write_bytes(model_bytes[:position] + b"con_9"
                     + model_bytes[position + 5:])
    with pytest.raises(ValueError, match="unknown layer record 'con_9'") as (
            error):
        read_dlib_model(path)
    assert position <= offset_in(str(error.value)) <= position + 5


def test_wrong_loss_is_rejected(tmp_path, model_bytes):
    path = tmp_path / "loss.dat"
    path.write_bytes(model_bytes.replace(b"loss_metric_2", b"loss_metric_9",
                                         1))
    with pytest.raises(ValueError, match="loss_metric_2"):
        read_dlib_model(path)
