"""gluekb: the shared package (shipped as the core Lambda layer, installed into both containers)."""

__version__ = "0.1.0"
