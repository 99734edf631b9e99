"""Publisher: turn folders of front-matter documents into EPUB collections and PDF briefs."""

__version__ = "0.1.0"
