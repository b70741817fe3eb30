"""Known wrong versions of the graded functions (instructor only).

Each module ``instructor.mistakes.<topic>`` has ``MISTAKES``: for each
checked function, a mapping from the mistake's name to a wrong
implementation with the exercise's signature.  ``python -m
instructor.checkdata`` runs them on the public checks' fixed inputs and
stores their results in ``helpers/checks/expected/<topic>.json``, so that a
check can recognise a learner's result and print the message
``helpers.checks.<topic>.MESSAGES`` gives for that name.
"""
