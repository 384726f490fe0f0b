"""python -m {{package_name}}: the same as the {{command}} command."""

import sys

from .cli import main

sys.exit(main())
