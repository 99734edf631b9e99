"""Publisher: turn folders of front-matter documents into EPUB collections and PDF briefs."""

__version__ = "0.1.0"

try:
    from publisher.api import build, load
# Ctrl-C while the program is still starting: nothing has begun, so a quiet exit as a shell
# expects (128 + SIGINT), not a traceback of the imports.
except KeyboardInterrupt:
    raise SystemExit(130) from None

__all__ = ["__version__", "build", "load"]
