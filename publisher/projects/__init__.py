"""Projects: publisher.toml, editions, up-to-date builds, releases and the ``init`` scaffold.

In: a project file. Out: a validated ``Config`` (every error with its key path), the editions it
names built (or kept when nothing they read changed), versioned releases with checksums.
"""

from publisher.projects.config import Config, ConfigError, load

__all__ = ["Config", "ConfigError", "load"]
