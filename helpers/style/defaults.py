"""The settings a style transfer uses unless told otherwise."""

#: Content layer used by default (deep: keeps the layout, frees the textures).
DEFAULT_CONTENT_LAYER = "block5_conv2"
#: Style layers and weights lambda_l used by default (the lecture's 0.2 each).
DEFAULT_STYLE_LAYERS = (
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
)
DEFAULT_ALPHA = 1e5
DEFAULT_BETA = 1.0
DEFAULT_TV_WEIGHT = 0.0
DEFAULT_SIZE = 256
#: Long side used in the quick configuration (``FACES_STYLES_QUICK=1``).
QUICK_SIZE = 64

#: TensorFlow tutorial settings of the baseline Adam loop.
ADAM_LEARNING_RATE = 0.02
ADAM_BETA_1 = 0.99
ADAM_EPSILON = 0.1
