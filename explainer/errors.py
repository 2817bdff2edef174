"""One error type for everything a user can get wrong, so that build.py can print it plainly."""


class BuildError(Exception):
    """A problem in the build's input: says which file (and line) and how to fix it."""

    def __init__(self, message, path=None, line=None):
        self.message, self.path, self.line = message, path, line
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(where + message)
