"""`python -m traffic` runs the same CLI as the `traffic` script."""

import sys

from traffic.cli import main

sys.exit(main())
