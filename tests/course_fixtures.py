"""Helpers only the tests use to drive a course."""

from instructor.course.course_dir import log_errors, nbgrader


def grade_in_place(assignment, student, root):
    """Grade one submission with ``nbgrader autograde`` in the course itself.

    The single-machine way, without Dask (it writes the gradebook from the
    grading process); kept as the reference that cluster grading equals.
    """
    result = nbgrader("autograde", assignment, "--create", "--force",
                      f"--student={student}", root=root, check=False)
    return result.returncode, log_errors(result.stdout + result.stderr)
