"""Publisher: turn folders of front-matter documents into EPUB collections and PDF briefs."""

__version__ = "0.1.0"

from publisher.api import build, load

__all__ = ["__version__", "build", "load"]
