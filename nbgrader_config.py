"""nbgrader configuration for the Faces and Styles course.

The course root is this repository.  Instructors edit ``solutions/`` (the
nbgrader source: one folder per assignment, e.g.
``solutions/01_verification_recognition/``, holding its single notebook of
the same name, with the solutions and the public checks) and release into
``notebooks/``.  The hidden tests are not in the notebooks: they are in
``instructor/exercises/nbNN_<notebook>.py``, one module named after each
notebook that also holds its exercises' references, public and hidden
cases and catalogue of mistakes.  ``python -m instructor.exercises`` writes
the data the public checks read (``helpers/checks/expected/``).  Grading
runs each submission's kernel in a sandbox and the hidden tests in a
separate clean room (``instructor/grading/``); ``docs/instructors.md``
explains the threat model and ``docs/authoring.md`` how to add an exercise.
"""

import os
import sys

c = get_config()  # noqa: F821 (provided by traitlets when loading config)

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ROOT)

from helpers import settings  # noqa: E402 (the course root is on the path now)

c.CourseDirectory.course_id = "faces_and_styles"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")

# Each notebook is its own assignment folder's single notebook.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()"
}

# Execution: nbgrader 0.9 reads Execute.* (not only ExecutePreprocessor.*).
# A cell that runs longer than the timeout is interrupted, scores 0, and
# the rest of the notebook is still executed and graded (0: no limit).
CELL_TIMEOUT_SECONDS = int(settings.value("CELL_TIMEOUT"))
c.Execute.timeout = CELL_TIMEOUT_SECONDS
c.Execute.interrupt_on_timeout = True
c.ExecutePreprocessor.timeout = CELL_TIMEOUT_SECONDS

# Pin the kernel: whatever kernel name a student's notebook records, it is
# graded with the course's Python kernel.
c.Execute.kernel_name = "python3"

# Grading and validation always run in the quick configuration.
GRADING_COMMANDS = {"autograde", "validate", "generate_feedback"}
if GRADING_COMMANDS.intersection(sys.argv[1:3]):
    # The same TensorFlow numerics as the test suite (oneDNN off).
    from helpers.notebook import grading_environment

    grading_environment(os.environ)

# Grading: every submission's kernel runs in a bubblewrap sandbox
# (instructor/grading/), and scores come from the hidden tests, which the
# trusted grader runs outside the submission's process.  An execute_result
# in a test cell is never read as a partial score.
c.Autograde.autograde_preprocessors = [
    "instructor.grading.preprocessors.SandboxedExecute",
    "instructor.grading.preprocessors.HiddenTests",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
    # Last: what cells produced is cleaned (no script, handler, iframe or
    # form survives in the autograded notebook; see the threat model).
    "instructor.course.safe_html.SanitizeOutputs",
]

# Feedback never shows hidden test source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "instructor.course.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Every page nbconvert renders from a submission shows clean HTML: the
# formgrader's Manual Grading and the feedback (before the preprocessors
# above) clean outputs again, and Markdown (cells, outputs, comments) once
# rendered.
c.HTMLExporter.preprocessors = ["instructor.course.safe_html.SanitizeOutputs"]
c.HTMLExporter.filters = {
    "markdown2html": "instructor.course.safe_html.markdown2html"}

# A test cell deleted by a student is put back (and graded) from the source.
c.OverwriteCells.add_missing_cells = True
