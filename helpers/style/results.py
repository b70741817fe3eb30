"""The outcome of a style transfer run: image, losses, snapshots, timings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TransferResult:
    """The outcome of a style transfer run.

    ``image``: float32 (H, W, 3) in [0, 1]; ``content`` and ``style``: the
    inputs at the final size; ``history``: one dict per recorded step
    (``level`` size, ``step``, ``loss``, ``seconds`` since the start);
    ``snapshots``: list of ``(label, image)``; ``seconds``: wall time;
    ``final_loss``: the total cost of ``image`` at the final size.
    """

    image: np.ndarray
    content: np.ndarray
    style: np.ndarray
    method: str
    final_loss: float
    seconds: float
    history: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    config: dict = field(default_factory=dict)

    def to_uint8(self):
        """The image as uint8 RGB (H, W, 3)."""
        return np.round(np.clip(self.image, 0, 1) * 255).astype(np.uint8)

    def to_pil(self):
        from PIL import Image

        return Image.fromarray(self.to_uint8())

    def save(self, path):
        """Write the image as PNG (or any format Pillow infers from ``path``)."""
        from pathlib import Path

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.to_pil().save(path)
        return path

    def show(self, with_inputs=True, **kwargs):
        """Plot content | style | result (or just the result)."""
        from helpers.style import plotting

        if with_inputs:
            return plotting.show_transfer(self.content, self.style, self.image, **kwargs)
        return plotting.show_image(self.image, **kwargs)

    def show_snapshots(self, **kwargs):
        from helpers.style import plotting

        return plotting.show_snapshots(self.snapshots, **kwargs)

    def _repr_png_(self):  # Jupyter shows the image
        import io

        buffer = io.BytesIO()
        self.to_pil().save(buffer, format="PNG")
        return buffer.getvalue()
