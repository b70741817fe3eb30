"""``python -m instructor.exercises``: write the learner bundle's data."""

import sys

from instructor.exercises.generate import main

sys.exit(main())
