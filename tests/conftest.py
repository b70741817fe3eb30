"""Fixtures shared by the style transfer tests."""

import pytest

#: Long side of the ``content`` and ``style`` fixtures: tiny, so each VGG16
#: evaluation costs a few hundredths of a second.
STYLE_TEST_SIZE = 64


@pytest.fixture(scope="module")
def content():
    """The ``china`` content image, 64 px on the long side."""
    from helpers.style import images

    return images.load_content_image("china", size=STYLE_TEST_SIZE)


@pytest.fixture(scope="module")
def style():
    """The Starry Night, 64 px on the long side."""
    from helpers.style import images

    return images.load_style_image("starry_night", size=STYLE_TEST_SIZE)
