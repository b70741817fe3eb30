"""Read dlib's DNN serialization of its ResNet face model, in NumPy.

The file ``dlib_face_recognition_resnet_model_v1.dat`` shipped by the PyPI
package ``face_recognition_models`` is read completely: the reader must end
exactly at the end of the file and raises ``ValueError`` (with the byte
offset) on anything it does not expect.  The result is the list of layer
records in forward order, which ``helpers.faces.encoder`` turns into Keras.

Format facts (dlib's portable serialization): integers are one control byte
(low nibble = number of magnitude bytes, bit 0x80 = negative) and that many
little-endian bytes; floats are an integer mantissa and an integer exponent;
strings are a length and raw bytes; tensors are a version, four dimensions
and little-endian float32 data.
"""

import hashlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MODEL_FILENAME = "dlib_face_recognition_resnet_model_v1.dat"


def locate_model_file():
    """Return the path of dlib's face model inside face_recognition_models.

    The package's ``__init__`` imports ``pkg_resources``, which recent
    setuptools no longer has, so the file is found without importing it.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "The package 'face_recognition_models' is not installed. Install "
            "it with: pip install face_recognition_models==0.3.0"
        )
    folder = Path(list(spec.submodule_search_locations)[0])
    path = folder / "models" / MODEL_FILENAME
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; reinstall face_recognition_models."
        )
    return path


def file_sha256(path):
    """Return the hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class Layer:
    """One layer record: its kind and its parameters."""

    kind: str
    params: dict = field(default_factory=dict)


class Reader:
    """A cursor over the bytes of a dlib model file."""

    def __init__(self, data):
        self.data = memoryview(data)
        self.offset = 0

    def fail(self, message):
        """Raise ValueError naming the byte offset."""
        raise ValueError(f"dlib model file, byte {self.offset}: {message}")

    def take(self, count):
        """Return the next ``count`` bytes."""
        if self.offset + count > len(self.data):
            self.fail(f"unexpected end of file (wanted {count} bytes)")
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def integer(self):
        """Read a signed integer in dlib's sign-magnitude encoding."""
        control = self.take(1)[0]
        size = control & 0x0F
        if control & 0x70 or not 1 <= size <= 8:
            self.offset -= 1  # report the position of the bad byte
            self.fail(f"bad integer control byte 0x{control:02x}")
        value = int.from_bytes(self.take(size), "little")
        return -value if control & 0x80 else value

    def unsigned(self):
        """Read an integer that must not be negative."""
        value = self.integer()
        if value < 0:
            self.fail(f"expected an unsigned integer, got {value}")
        return value

    def expect_integer(self, expected, what):
        """Read an integer and check its value."""
        value = self.integer()
        if value != expected:
            self.fail(f"{what}: expected {expected}, got {value}")

    def real(self):
        """Read a float stored as mantissa * 2**exponent."""
        if self.offset < len(self.data) and self.data[self.offset] & 0x70:
            self.fail("ASCII float encoding is not supported")
        mantissa = self.integer()
        exponent = self.integer()
        special = {32000: np.inf, 32001: -np.inf, 32002: np.nan}
        if exponent in special:
            return float(special[exponent])
        return float(np.ldexp(float(mantissa), exponent))

    def boolean(self):
        """Read a bool stored as ASCII '0' or '1'."""
        byte = bytes(self.take(1))
        if byte not in (b"0", b"1"):
            self.fail(f"bad bool byte {byte!r}")
        return byte == b"1"

    def string(self):
        """Read a length-prefixed string."""
        length = self.unsigned()
        try:
            return bytes(self.take(length)).decode("ascii")
        except UnicodeDecodeError:
            self.fail("string is not ASCII")

    def tensor(self):
        """Read a float32 tensor; returns an array of shape (n, k, nr, nc)."""
        self.expect_integer(2, "tensor version")
        shape = tuple(self.unsigned() for _ in range(4))
        count = int(np.prod(shape))
        raw = self.take(4 * count)
        return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()

    def alias_tensor(self):
        """Read an alias tensor header (a view; no data)."""
        self.expect_integer(1, "alias tensor version")
        return tuple(self.unsigned() for _ in range(4))

    def at_end(self):
        """Return True when every byte has been consumed."""
        return self.offset == len(self.data)


def _read_details(reader):
    """Read one layer detail record."""
    kind = reader.string()
    params = {}
    if kind == "con_4":
        values = reader.tensor().ravel()
        (filters, rows, cols, stride_y, stride_x,
         pad_y, pad_x) = (reader.integer() for _ in range(7))
        filter_shape = reader.alias_tensor()
        bias_shape = reader.alias_tensor()
        for _ in range(4):
            reader.real()
        weight_count = int(np.prod(filter_shape))
        if filter_shape[0] != filters or values.size != (
                weight_count + int(np.prod(bias_shape))):
            reader.fail("convolution parameters do not match their shapes")
        params = {
            "kernel": values[:weight_count].reshape(filter_shape),
            "bias": values[weight_count:],
            "size": (rows, cols), "stride": (stride_y, stride_x),
            "padding": (pad_y, pad_x),
        }
    elif kind == "affine_":
        values = reader.tensor().ravel()
        reader.alias_tensor()
        reader.alias_tensor()
        mode = reader.integer()
        if mode != 0 or values.size % 2:
            reader.fail(f"unsupported affine layer (mode {mode})")
        half = values.size // 2
        params = {"gamma": values[:half], "beta": values[half:]}
    elif kind in ("relu_", "add_prev_"):
        pass
    elif kind in ("avg_pool_2", "max_pool_2"):
        (rows, cols, stride_y, stride_x,
         pad_y, pad_x) = (reader.integer() for _ in range(6))
        params = {"size": (rows, cols), "stride": (stride_y, stride_x),
                  "padding": (pad_y, pad_x)}
    elif kind == "fc_2":
        outputs = reader.unsigned()
        inputs = reader.unsigned()
        values = reader.tensor()
        reader.alias_tensor()
        reader.alias_tensor()
        bias_mode = reader.integer()
        for _ in range(4):
            reader.real()
        if bias_mode != 1 or values.size != inputs * outputs:
            reader.fail("unsupported fully connected layer")
        params = {"kernel": values.reshape(inputs, outputs)}
    else:
        reader.fail(f"unknown layer record {kind!r}")
    return Layer(kind=kind.rstrip("_0123456789"), params=params)


def _read_wrapper_tail(reader):
    """Read what an add_layer wrapper writes after its details."""
    for _ in range(3):
        reader.boolean()
    for _ in range(3):
        if reader.tensor().size:
            reader.fail("expected an empty gradient/state tensor")


@dataclass
class DlibNetwork:
    """The parsed network: input means, layers in forward order, loss."""

    input_size: tuple
    input_means: tuple
    layers: list
    margin: float
    distance_threshold: float


def read_dlib_model(path=None):
    """Parse the dlib face model file completely and return a DlibNetwork."""
    path = Path(path) if path is not None else locate_model_file()
    reader = Reader(path.read_bytes())

    reader.expect_integer(1, "loss version")
    loss = reader.string()
    if loss != "loss_metric_2":
        reader.fail(f"expected loss 'loss_metric_2', got {loss!r}")
    margin = reader.real()
    threshold = reader.real()

    versions = []
    while True:
        version = reader.integer()
        if version not in (1, 2, 3):
            reader.fail(f"unexpected wrapper version {version}")
        versions.append(version)
        if version == 3:  # the add_layer sitting directly on the input
            break

    if reader.string() != "input_rgb_image_sized":
        reader.fail("expected the input_rgb_image_sized record")
    means = tuple(reader.real() for _ in range(3))
    input_size = (reader.unsigned(), reader.unsigned())

    layers = []
    for version in reversed(versions):
        if version == 1:  # tag or skip wrappers store nothing else
            continue
        layers.append(_read_details(reader))
        _read_wrapper_tail(reader)
        if version == 3:
            reader.expect_integer(1, "sample expansion factor")
    if not reader.at_end():
        reader.fail(f"{len(reader.data) - reader.offset} unread bytes left")
    return DlibNetwork(input_size=input_size, input_means=means,
                       layers=layers, margin=margin,
                       distance_threshold=threshold)
