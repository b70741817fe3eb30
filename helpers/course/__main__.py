"""Entry point for ``python -m helpers.course``."""

import sys

from helpers.course.manage import main

sys.exit(main())
