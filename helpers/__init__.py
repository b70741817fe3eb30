"""Faces and Styles: the model code behind the course notebooks.

Sub-packages:

* ``helpers.faces``  - face detection, alignment, the pretrained encoder,
  losses and the face database;
* ``helpers.style``  - the neural style transfer engine;
* ``helpers.data``   - datasets (LFW, content and style images);
* ``helpers.checks`` - the public tests that notebooks run on exercises.
"""

__version__ = "0.1.0"
