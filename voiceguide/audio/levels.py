"""The clips a session renders, at the loudness its script asks for.

Speech clips and sounds are all kept at audio.loudness.REFERENCE_LUFS (the rep tick lower), so
one gain, decided before anything is rendered, takes the session to its `loudness`: live
playback and export mix the same samples. Made louder than the reference, speech is levelled
again clip by clip (audio.loudness.normalise: measured, limited, what the limiter took made
up), which costs the meter's import and a little time per clip; a beep, a steady tone, is only
kept under the ceiling.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from voiceguide.audio.loudness import CEILING_DBTP, REFERENCE_LUFS, gain_of, normalise, true_peak
from voiceguide.audio.samples import Float32Array
from voiceguide.audio.sounds import Sounds
from voiceguide.speech.bank import SpeechBank

# louder-than-reference speech clips kept once limited: counts and "Rest." come again and again
_KEPT = 64


class LevelledClips:
    """The renderer's clip source: speech from the bank and the sounds, at `loudness` LUFS.

    `beep_volume` is the gain the renderer puts on the beeps afterwards: a beep is turned down
    here, if need be, so that with it the beep still peaks under the ceiling.
    """

    def __init__(
        self, bank: SpeechBank, sounds: Sounds, loudness: float, beep_volume: float = 1.0
    ) -> None:
        self._bank = bank
        self._sounds = sounds
        self.loudness = loudness
        self.gain = gain_of(loudness - REFERENCE_LUFS)
        self._sample_rate = bank.sample_rate
        self._limited: OrderedDict[str, Float32Array] = OrderedDict()
        self._lock = threading.Lock()  # the renderer may run in a thread of its own
        ceiling = gain_of(CEILING_DBTP)
        self._beeps: dict[str, Float32Array] = {}
        for name in sounds.lengths():
            clip = sounds.samples(name)
            peak = true_peak(clip, sounds.sample_rate) * self.gain * max(beep_volume, 1.0)
            gain = self.gain * min(1.0, ceiling / peak) if peak > 0 else self.gain
            self._beeps[name] = _scaled(clip, gain)

    def speech(self, text: str) -> Float32Array:
        clip = self._bank.samples(text)
        if self.gain <= 1.0:  # quieter than the reference: no peak can grow over the ceiling
            return _scaled(clip, self.gain)
        with self._lock:
            kept = self._limited.get(text)
            if kept is not None:
                self._limited.move_to_end(text)
                return kept
        # measured again at the session rate and limited, what the limiter took made up
        made = normalise(clip, self._sample_rate, self.loudness)
        made.flags.writeable = False
        with self._lock:
            self._limited[text] = made
            while len(self._limited) > _KEPT:
                self._limited.popitem(last=False)
        return made

    def sound(self, name: str) -> Float32Array:
        try:
            return self._beeps[name]
        except KeyError:
            return self._sounds.samples(name)  # raises the SoundError naming the sounds


def _scaled(clip: Float32Array, gain: float) -> Float32Array:
    if gain == 1.0:
        return clip
    scaled: Float32Array = clip * np.float32(gain)
    scaled.flags.writeable = False
    return scaled
