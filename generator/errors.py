"""The one base of the generator's own errors.

Each command catches `GeneratorError` and prints it (its text never holds a private value and
never a traceback); anything else is a bug. Subclasses live where they are raised:
DescriptorError (descriptor), RulesError (rules), UnsafePagePath (pages), SiteBuildError
(site_adapter), InvalidData, StitchError (pipeline).
"""

from __future__ import annotations


class GeneratorError(Exception):
    """A failure of the input or the environment, with a message safe to show."""
