"""voiceguide: a voice coach for routines done with your eyes off the screen.

A routine script (TOML) becomes a session of spoken cues and beeps at exact sample frames, to
play live or to export as an audio file for a phone; both are the same samples.

    >>> import voiceguide
    >>> session = voiceguide.load("hip-mobility")      # a bundled name or a path
    >>> session = voiceguide.loads(toml_text)          # a script given as text
    >>> session.plan()                                 # what `voiceguide plan --json` prints
    >>> session.export("hip.m4a")                      # what `voiceguide export` writes
    >>> session.play()                                 # live, on the audio device

Every error voiceguide raises on purpose is a `VoiceguideError` whose text is one line for the
user: `ScriptError` for a bad script, `VoiceError` for the speech engine, `SoundError`,
`PlaybackError`, `OutputError` for a file that could not be written (`ExportError` for an
export), `DestinationError` for a destination that cannot be used, `ShareError` when a session
cannot be served to a phone.

Importing the package stays light: numpy, pyttsx3 and simpleaudio load only when audio is made.
"""

from voiceguide.catalogue import RoutineInfo, bundled_routines, new_routine, voices
from voiceguide.errors import (
    DestinationError,
    ExportDestinationError,
    ExportError,
    OutputError,
    PlaybackError,
    ScriptError,
    ShareError,
    ShareOptionError,
    SoundError,
    UnknownVoiceError,
    VoiceError,
    VoiceguideError,
)
from voiceguide.session import (
    DEFAULT_SAMPLE_RATE,
    SAMPLE_RATES,
    Session,
    load,
    loads,
    read_routine,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_SAMPLE_RATE",
    "SAMPLE_RATES",
    "DestinationError",
    "ExportDestinationError",
    "ExportError",
    "OutputError",
    "PlaybackError",
    "RoutineInfo",
    "ScriptError",
    "Session",
    "ShareError",
    "ShareOptionError",
    "SoundError",
    "UnknownVoiceError",
    "VoiceError",
    "VoiceguideError",
    "__version__",
    "bundled_routines",
    "load",
    "loads",
    "new_routine",
    "read_routine",
    "voices",
]
