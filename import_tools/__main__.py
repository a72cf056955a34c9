"""``python -m import_tools``: see import_tools/cli.py."""

import sys

from import_tools.cli import main

sys.exit(main())
