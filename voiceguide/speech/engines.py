"""Which engine speaks a voice: `piper:` voices the Piper engine, every other one pyttsx3's."""

from __future__ import annotations

from pathlib import Path

from voiceguide.speech.bank import SpeechEngine, default_engine
from voiceguide.speech.voices import VoiceInfo, resolve_voice


def engine_and_voice(
    wanted: str | None, engine: SpeechEngine | None = None, folder: Path | None = None
) -> tuple[SpeechEngine, VoiceInfo | None]:
    """The engine for a voice spec and the voice itself (None: the engine's default).

    An engine given by the caller speaks every voice itself (tests give a fake one). A Piper
    voice file's relative path is taken from `folder` (the script's, when the script names it).
    """
    from voiceguide.speech import piper_voices

    if engine is None and piper_voices.is_piper_spec(wanted):
        assert wanted is not None
        spec = wanted.strip()
        piper_voices.require_piper(spec)
        voice = piper_voices.find_voice(spec, folder)
        from voiceguide.speech.piper_engine import PiperEngine

        piper = PiperEngine(voice)
        return piper, piper.info
    engine = engine or default_engine()
    return engine, resolve_voice(engine, wanted)
