"""Instructor-only part of the course: never shipped to learners.

``instructor.reference`` holds the reference implementations of the graded
functions, ``instructor.grading`` the sandboxed autograder and its trusted
harness, ``instructor.hidden_tests`` the hidden tests, and
``instructor.course`` the release, grading and bundle commands.  The learner
bundle (``make student-bundle``) contains ``helpers`` only.
"""
