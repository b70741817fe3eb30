"""Course tooling for instructors: release, grading and feedback helpers."""
