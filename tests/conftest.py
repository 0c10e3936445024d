"""Test-suite configuration: the repository root on sys.path and the hypothesis profiles.

Profiles: ``dev`` (the default) and ``ci`` (derandomised, STYLE 49; the default when the
``CI`` environment variable is set); pick one with ``HYPOTHESIS_PROFILE=ci``.
"""

import os
import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
