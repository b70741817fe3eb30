"""VGG16 feature extractor for neural style transfer.

The network is ``keras.applications.VGG16(include_top=False)`` with ImageNet
weights.  The weights come from the course's asset registry when a verified
local copy exists (``find_local_asset("vgg16_notop")``, e.g. through
``FACES_STYLES_ASSETS``); otherwise Keras downloads and hash-checks its own
file (``weights="imagenet"``).

Images enter the engine as float RGB arrays in ``[0, 1]`` shaped
``(1, H, W, 3)``; :func:`preprocess` turns them into what VGG16 was trained
on (``keras.applications.vgg16.preprocess_input``: BGR, 0-255, ImageNet mean
subtracted).  :class:`FeatureExtractor` returns the activations of the chosen
layers only, and the Keras model it builds stops at the deepest of them, so
no work is spent on layers that no cost uses.
"""

from __future__ import annotations

import numpy as np

#: The 13 convolutional layers of VGG16, in order.
VGG16_CONV_LAYERS = (
    "block1_conv1", "block1_conv2",
    "block2_conv1", "block2_conv2",
    "block3_conv1", "block3_conv2", "block3_conv3",
    "block4_conv1", "block4_conv2", "block4_conv3",
    "block5_conv1", "block5_conv2", "block5_conv3",
)

#: ImageNet channel means in BGR order, as ``preprocess_input`` subtracts them.
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)

_VGG_CACHE: dict = {}


def vgg16_weights_source():
    """Return the weights argument for VGG16: a local file path or "imagenet"."""
    from helpers.assets import find_local_asset

    path = find_local_asset("vgg16_notop")
    return str(path) if path is not None else "imagenet"


def load_vgg16(weights=None):
    """Return the (cached) frozen VGG16 conv base for images of any size.

    ``weights`` defaults to :func:`vgg16_weights_source`.  The model is built
    once per process and weights source and then reused.
    """
    import keras

    if weights is None:
        weights = vgg16_weights_source()
    key = str(weights)
    if key not in _VGG_CACHE:
        model = keras.applications.VGG16(
            include_top=False, weights=weights, input_shape=(None, None, 3)
        )
        model.trainable = False
        _VGG_CACHE[key] = model
    return _VGG_CACHE[key]


def preprocess(image):
    """Map RGB images in [0, 1], shape (N, H, W, 3), to VGG16's input.

    Equivalent to ``keras.applications.vgg16.preprocess_input(255 * image)``
    but written with TensorFlow ops so it can be differentiated and traced.
    """
    import tensorflow as tf

    image = tf.convert_to_tensor(image, dtype=tf.float32)
    bgr = tf.reverse(image, axis=[-1]) * 255.0
    return bgr - tf.constant(IMAGENET_MEAN_BGR, dtype=tf.float32)


def check_layer_names(names):
    """Raise ValueError for names that are not VGG16 conv layers."""
    unknown = [name for name in names if name not in VGG16_CONV_LAYERS]
    if unknown:
        raise ValueError(
            f"Unknown VGG16 layer(s) {unknown}. Choose from: "
            + ", ".join(VGG16_CONV_LAYERS)
            + "."
        )


class FeatureExtractor:
    """Activations of chosen VGG16 layers for images in [0, 1].

    ``extractor(image)`` takes a float tensor/array shaped ``(1, H, W, 3)``
    (values in [0, 1], RGB) and returns a dict ``layer name -> activation``
    shaped ``(1, n_H, n_W, n_C)``.  The underlying Keras model ends at the
    deepest requested layer (VGG truncated).
    """

    def __init__(self, layer_names, weights=None):
        import keras

        names = list(dict.fromkeys(layer_names))  # unique, order kept
        if not names:
            raise ValueError("FeatureExtractor needs at least one layer name.")
        check_layer_names(names)
        vgg = load_vgg16(weights)
        self.layer_names = tuple(names)
        outputs = [vgg.get_layer(name).output for name in names]
        self.model = keras.Model(vgg.input, outputs, name="vgg16_features")
        self.model.trainable = False
        deepest = max(VGG16_CONV_LAYERS.index(name) for name in names)
        self.deepest_layer = VGG16_CONV_LAYERS[deepest]

    def __call__(self, image):
        outputs = self.model(preprocess(image), training=False)
        if len(self.layer_names) == 1:
            outputs = [outputs] if not isinstance(outputs, (list, tuple)) else outputs
        return dict(zip(self.layer_names, outputs))

    def numpy(self, image):
        """Like calling the extractor, with NumPy arrays as values."""
        return {name: np.asarray(value) for name, value in self(image).items()}


class Bfloat16FeatureExtractor:
    """The same truncated VGG16 computed with bfloat16 convolutions.

    Built from :class:`FeatureExtractor`'s Keras model: the weights are
    copied once as bfloat16 constants and the network (3x3 convolutions,
    ReLU, 2x2 max pooling) is written with plain TensorFlow ops.  Where the
    CPU has bfloat16 instructions (see :mod:`helpers.style.precision`) one
    evaluation is about 1.7x faster; activations come back as float32, so
    Gram matrices and sums stay float32.  Values differ from the float32
    network by about 0.2% (bfloat16 keeps 8 significant bits).
    """

    def __init__(self, layer_names, weights=None):
        import tensorflow as tf

        reference = FeatureExtractor(layer_names, weights=weights)
        self.layer_names = reference.layer_names
        self.deepest_layer = reference.deepest_layer
        last = VGG16_CONV_LAYERS.index(self.deepest_layer)
        self.params = []
        for name in VGG16_CONV_LAYERS[:last + 1]:
            kernel, bias = reference.model.get_layer(name).get_weights()
            self.params.append((name, tf.constant(kernel, tf.bfloat16),
                                tf.constant(bias, tf.bfloat16)))

    def __call__(self, image):
        import tensorflow as tf

        x = tf.cast(preprocess(image), tf.bfloat16)
        outputs = {}
        for name, kernel, bias in self.params:
            if name.endswith("conv1") and name != "block1_conv1":
                x = tf.nn.max_pool2d(x, 2, 2, "VALID")
            x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, kernel, 1, "SAME"), bias))
            if name in self.layer_names:
                outputs[name] = tf.cast(x, tf.float32)
        return {name: outputs[name] for name in self.layer_names}
