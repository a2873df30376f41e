"""The one error every command raises: one line on stderr, exit status 2.

    raise Fail("no issue 7")        # prints "Error: no issue 7", exits with status 2
    raise Fail.from_error(error)    # the error's message on one line
"""

import click


class Fail(click.ClickException):
    """A command's refusal: click prints `Error: <message>` on stderr; exit status 2."""

    exit_code = 2

    def __init__(self, message):
        super().__init__(" ".join(str(message).split()) or "failed")

    @classmethod
    def from_error(cls, error):
        """`Fail.from_error(OSError(...))`: the message of any exception, on one line."""
        return cls(" ".join(str(error).split()) or type(error).__name__)
