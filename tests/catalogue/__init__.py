"""The mistake catalogue: wrong versions of every graded exercise.

One module per notebook, named after it (``nb02_one_shot.py``), defines

* ``NOTEBOOK``: the assignment's name, e.g. ``"02_one_shot"``;
* ``PRELUDE``: source run before the exercise cells (imports and the
  notebook globals the exercises use);
* ``run_check(exercise, namespace)``: run the public check of ``exercise``
  on the learner functions in ``namespace``;
* ``MISTAKES``: a list of ``(exercise, mistake, source, message)``: the
  source of a whole wrong function, and a fragment of the message the
  public check must fail with (case-insensitive).

``tests/test_mistake_catalogue.py`` runs the solution's functions (which
must pass) and then each mistake in place of the solution's function (which
must fail with an ``AssertionError`` containing its message).
"""
