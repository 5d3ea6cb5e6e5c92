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


class OutputError(VoiceguideError):
    """A file could not be written: the disk is full, the folder is read-only, a write failed."""

    exit_status = 1


class DestinationError(OutputError):
    """The file named to write cannot be used: a folder, a FIFO, a device, a symbolic link, an
    existing file that must not be replaced, a name that is empty or too long (exit status 2)."""

    exit_status = 2


class ExportError(OutputError):
    """The audio export failed: ffmpeg missing or failing, too long for WAV, the disk full."""

    exit_status = 1


class ExportDestinationError(DestinationError, ExportError):
    """The export's destination is wrong (an unknown extension as well as any DestinationError):
    bad input (exit status 2)."""

    exit_status = 2
