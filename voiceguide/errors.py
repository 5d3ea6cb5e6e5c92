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


class OutputError(VoiceguideError):
    """A file could not be written: the disk is full, the folder is read-only, a write failed.

    Example:
        >>> try:
        ...     voiceguide.load("tabata").write_sheet("/read-only/tabata.html")
        ... except voiceguide.OutputError as error:
        ...     print(error)                             # doctest: +SKIP
        cannot write to the folder /read-only: Read-only file system
    """

    exit_status = 1


class DestinationError(OutputError):
    """The file named to write cannot be used: a folder, a FIFO, a device, a symbolic link, an
    existing file that must not be replaced, a name that is empty or too long (exit status 2).

    Example:
        >>> try:
        ...     voiceguide.load("tabata").write_sheet("sheets/")
        ... except voiceguide.DestinationError as error:
        ...     print(error)
        cannot write sheets/: a name ending in / is a folder; give a file name
    """

    exit_status = 2


class ExportError(OutputError):
    """The audio export failed: ffmpeg missing or failing, too long for WAV, the disk full.

    Example:
        >>> try:
        ...     voiceguide.load("tabata").export("/full-disk/tabata.wav")
        ... except voiceguide.ExportError as error:
        ...     print(error)                             # doctest: +SKIP
    """

    exit_status = 1


class ExportDestinationError(DestinationError, ExportError):
    """The export's destination is wrong (an unknown extension as well as any DestinationError):
    bad input (exit status 2).

    Example:
        >>> try:
        ...     voiceguide.load("tabata").export("tabata.ogg")
        ... except voiceguide.ExportDestinationError as error:
        ...     print(error)
        cannot export to tabata.ogg: unknown extension .ogg; use .wav, .m4a, .m4b or .mp3
    """

    exit_status = 2


class ShareError(VoiceguideError):
    """The session could not be served to a phone (exit status 1).

    Example:
        >>> try:
        ...     voiceguide.share.serve_once(files, host="127.0.0.1")
        ... except voiceguide.ShareError as error:
        ...     print(error)                             # doctest: +SKIP
    """

    exit_status = 1


class ShareOptionError(ShareError):
    """An address, port, format or time limit that cannot be used: bad input (exit status 2).

    A port already in use is one too: the fix is the user's, another port (or 0 for a free one).

    Example:
        >>> import voiceguide.share
        >>> try:
        ...     voiceguide.share.parse_port("70000")
        ... except voiceguide.ShareOptionError as error:
        ...     print(error)
        port '70000' is not a port; give a number from 1 to 65535, or 0 for a free one
    """

    exit_status = 2
