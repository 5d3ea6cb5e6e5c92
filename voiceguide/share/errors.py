"""What can go wrong when a session is shared: the CLI maps each to a message and exit status."""

from __future__ import annotations

from voiceguide.errors import VoiceguideError


class ShareError(VoiceguideError):
    """The session could not be served (exit status 1)."""

    exit_status = 1


class ShareOptionError(ShareError):
    """An address, port, format or time limit that cannot be used: bad input (exit status 2).

    A port already in use is one too: the fix is the user's, another port (or 0 for a free one).
    """

    exit_status = 2
