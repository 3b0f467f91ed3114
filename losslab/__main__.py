"""Entry point for `python -m losslab`."""

import sys

from .cli import main

sys.exit(main())
