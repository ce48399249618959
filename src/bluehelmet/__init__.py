"""bluehelmet: the information and decision-support system of a peacekeeping mission."""

__version__ = "0.1.0"
__all__ = ["__version__"]
