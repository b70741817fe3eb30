"""Instructor-only part of the course: never shipped to learners.

``instructor.exercises`` holds one module per graded notebook (the
references, public cases, mistakes and hidden tests of its exercises),
``instructor.grading`` the sandboxed autograder and its trusted harness,
and ``instructor.course`` the release, grading and bundle commands.  The learner
bundle (``make student-bundle``) contains ``helpers`` only.
"""
