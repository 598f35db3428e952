"""proctor: measure how useful a code model is in real engineering work."""

__version__ = "0.1.0"
