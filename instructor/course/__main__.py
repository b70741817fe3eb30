"""Entry point for ``python -m instructor.course``."""

import sys

from instructor.course.manage import main

sys.exit(main())
