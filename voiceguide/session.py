"""One prepared session: the routine, its timeline with measured speech, and its clips.

Both `plan`, `export` and `play` start here, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from voiceguide.errors import ScriptError, UnknownVoiceError
from voiceguide.resources import bundled_scripts, find_script

if TYPE_CHECKING:
    import numpy

    from voiceguide.audio.sounds import Sounds
    from voiceguide.render import ClipSource
    from voiceguide.script.model import Routine
    from voiceguide.speech.bank import SpeechBank, SpeechEngine
    from voiceguide.speech.cache import ClipCache
    from voiceguide.timeline import Timeline

DEFAULT_SAMPLE_RATE = 22050
SAMPLE_RATES = (22050, 44100, 48000)


@dataclass(frozen=True)
class Session:
    routine: Routine
    timeline: Timeline
    clips: ClipSource


class _SessionClips:
    """The clip source the renderer reads: speech from the bank, beeps from the sounds."""

    def __init__(self, bank: SpeechBank, sounds: Sounds) -> None:
        self._bank = bank
        self._sounds = sounds

    def speech(self, text: str) -> numpy.ndarray:
        return self._bank.samples(text)

    def sound(self, name: str) -> numpy.ndarray:
        return self._sounds.samples(name)


def load_script(script: str) -> Routine:
    """A routine by path, or a bundled one by name ("hip-mobility")."""
    from voiceguide.script.reader import load_routine

    path = find_script(script)
    if path is None:
        names = ", ".join(bundled_scripts()) or "none"
        raise ScriptError(
            f'{script}: no such file, and no bundled routine of that name (bundled: {names}); '
            "see `voiceguide list`"
        )
    display = script if path.name == script or "/" in script else path.name
    return load_routine(path, display_name=display)


def prepare_session(
    script: str,
    *,
    voice: str | None = None,
    rate: int | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    engine: SpeechEngine | None = None,
    cache: ClipCache | None = None,
) -> Session:
    """Load, resolve the voice, measure every spoken text and lay out the timeline."""
    from voiceguide.audio.sounds import Sounds
    from voiceguide.sequencer import build_timeline, spoken_texts
    from voiceguide.speech.bank import SpeechBank, default_engine, resolve_voice
    from voiceguide.speech.cache import ClipCache

    routine = load_script(script)
    settings = routine.settings
    if voice is not None or rate is not None:
        settings = replace(
            settings,
            voice=voice if voice is not None else settings.voice,
            rate=rate if rate is not None else settings.rate,
        )
        routine = replace(routine, settings=settings)
    engine = engine or default_engine()
    try:
        voice_info = resolve_voice(engine, settings.voice)
    except UnknownVoiceError as error:
        if voice is not None:  # --voice: the script is not to blame
            raise
        raise UnknownVoiceError(f'{routine.file_label}: "settings.voice": {error}') from None
    bank = SpeechBank(engine, voice_info, settings.rate, sample_rate, cache or ClipCache())
    sounds = Sounds(settings.sounds, sample_rate)
    lengths = sounds.lengths()
    bank.prepare(spoken_texts(routine, lengths, sample_rate))
    timeline = build_timeline(routine, bank.frames, lengths, sample_rate, voice=bank.voice_label)
    return Session(routine, timeline, _SessionClips(bank, sounds))
