"""One error base for the library; the CLI maps each kind to a message and an exit status."""

from __future__ import annotations


class VoiceguideError(Exception):
    """Base of every error voiceguide raises on purpose. Its text is one line for the user.

    Example:
        >>> try:
        ...     voiceguide.load("no-such-routine")
        ... except voiceguide.VoiceguideError as error:
        ...     print(error.exit_status)
        2
    """

    exit_status = 1


class ScriptError(VoiceguideError):
    """A routine script is wrong: the user can fix it (exit status 2).

    Example:
        >>> try:
        ...     voiceguide.loads('title = "Plank"')
        ... except voiceguide.ScriptError as error:
        ...     print(error)
        routine.toml: no moves; add a [[move]] table with a name and reps, hold or work
    """

    exit_status = 2


class VoiceError(VoiceguideError):
    """The speech engine is missing, failed, or lacks the requested voice.

    Example:
        >>> try:
        ...     voiceguide.load("hip-mobility")
        ... except voiceguide.VoiceError as error:       # e.g. espeak-ng is not installed
        ...     print(error)                              # doctest: +SKIP
    """

    exit_status = 1


class UnknownVoiceError(VoiceError):
    """The requested voice does not exist: bad input (exit status 2).

    Example:
        >>> try:
        ...     voiceguide.load("tabata", voice="xx-nothing")
        ... except voiceguide.UnknownVoiceError as error:
        ...     print(str(error).split(";")[0])
        no voice "xx-nothing"
    """

    exit_status = 2


class SoundError(VoiceguideError):
    """A cue sound cannot be read (exit status 2).

    Example:
        >>> try:
        ...     voiceguide.load("my-routine.toml")   # settings.sounds names a broken file
        ... except voiceguide.SoundError as error:
        ...     print(error)                          # doctest: +SKIP
    """

    exit_status = 2


class PlaybackError(VoiceguideError):
    """No audio device, or the device failed while playing.

    Example:
        >>> try:
        ...     voiceguide.load("tabata").play()
        ... except voiceguide.PlaybackError as error:   # no sound card: export instead
        ...     print(error)                             # doctest: +SKIP
    """

    exit_status = 1


class ExportError(VoiceguideError):
    """The export could not be written (a full disk, no ffmpeg for .m4a).

    Example:
        >>> try:
        ...     voiceguide.load("tabata").export("/full-disk/tabata.wav")
        ... except voiceguide.ExportError as error:
        ...     print(error)                             # doctest: +SKIP
    """

    exit_status = 1


class ExportDestinationError(ExportError):
    """The export destination is wrong (unknown extension, a folder): bad input (exit status 2).

    Example:
        >>> try:
        ...     voiceguide.load("tabata").export("tabata.ogg")
        ... except voiceguide.ExportDestinationError as error:
        ...     print(error)
        cannot export to tabata.ogg: unknown extension .ogg; use .wav, .m4a or .mp3
    """

    exit_status = 2
