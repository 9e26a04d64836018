"""carbonloop: performance-carbon design-space exploration of AI accelerators."""

from carbonloop.errors import SpecError

__version__ = "0.1.0"
__all__ = ["SpecError", "__version__"]
