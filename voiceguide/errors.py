"""One error base for the library; the CLI maps each kind to a message and an exit status."""

from __future__ import annotations


class VoiceguideError(Exception):
    """Base of every error voiceguide raises on purpose. Its text is one line for the user."""

    exit_status = 1


class ScriptError(VoiceguideError):
    """A routine script is wrong: the user can fix it (exit status 2)."""

    exit_status = 2


class VoiceError(VoiceguideError):
    """The speech engine is missing, failed, or lacks the requested voice."""

    exit_status = 1


class UnknownVoiceError(VoiceError):
    """The requested voice does not exist: bad input (exit status 2)."""

    exit_status = 2


class SoundError(VoiceguideError):
    """A cue sound cannot be read."""

    exit_status = 2


class PlaybackError(VoiceguideError):
    """No audio device, or the device failed while playing."""

    exit_status = 1


class ExportError(VoiceguideError):
    """The export could not be written."""

    exit_status = 1


class ExportDestinationError(ExportError):
    """The export destination is wrong (unknown extension, a folder): bad input (exit status 2)."""

    exit_status = 2
