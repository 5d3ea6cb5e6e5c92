"""The SpeechBank: one engine batch for all missing phrases, the cache, lengths at the session
rate from the length rule, and one copy of each clip in memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from voiceguide.audio.samples import Int16Array, resampled_length
from voiceguide.speech.bank import RECENT_BYTES, FakeEngine, SpeechBank
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine
from voiceguide.speech.trim import LEAD_SECONDS, TAIL_SECONDS
from voiceguide.speech.voices import resolve_voice

PHRASE = "Move two of four. Standing banded fire hydrant."


def fake_bank(sample_rate: int = 22050, cache: ClipCache | None = None) -> SpeechBank:
    return SpeechBank(FakeEngine(), None, 170, sample_rate, cache)


def test_bank_synthesizes_all_missing_texts_in_one_batch_and_caches_them(tmp_path: Path) -> None:
    fake = FakeEngine()
    cache = ClipCache(tmp_path / "clips")
    bank = SpeechBank(fake, None, 170, 22050, cache)
    bank.prepare(["Rest.", "Halfway.", "Rest.", "Set 2 of 3."])
    assert fake.batches == [["Rest.", "Halfway.", "Set 2 of 3."]]
    bank.prepare(["Rest.", "Switch sides."])
    assert fake.batches[1] == ["Switch sides."]

    again = SpeechBank(fake, None, 170, 22050, cache)
    again.prepare(["Rest.", "Halfway.", "Set 2 of 3.", "Switch sides."])
    assert len(fake.batches) == 2  # all four came from the cache
    assert np.array_equal(again.samples("Halfway."), bank.samples("Halfway."))


def test_bank_synthesizes_on_demand_and_empty_text_is_silent() -> None:
    fake = FakeEngine()
    bank = SpeechBank(fake, None, 170, 22050, None)
    assert bank.frames("Go.") == len(bank.samples("Go.")) > 0
    assert fake.batches == [["Go."]]
    assert bank.frames("   ") == 0 and len(fake.batches) == 1
    assert len(SpeechBank(fake, None, 170, 44100, None).samples("")) == 0


def test_bank_samples_are_trimmed_read_only_float32_in_range() -> None:
    fake = FakeEngine()
    bank = fake_bank()
    clip = bank.samples("Keep the hips level.")
    assert clip.dtype == np.float32 and not clip.flags.writeable
    assert float(np.abs(clip).max()) <= 1.0
    assert clip[0] == 0 and clip[-1] == 0  # faded margins: no click
    spoken = round(fake.speech_seconds("Keep the hips level.", 170) * 22050)
    margins = round(LEAD_SECONDS * 22050) + round(TAIL_SECONDS * 22050)
    # the fake's 50 ms lead and 80 ms tail of silence are gone, the tone is whole
    assert spoken <= len(clip) <= spoken + margins + 2


def test_bank_resampling_keeps_the_duration_within_a_frame() -> None:
    texts = ["Rest.", "Lie on your side, knees bent, feet together."]
    low, high = fake_bank(22050), fake_bank(44100)
    for text in texts:
        assert abs(high.frames(text) / 44100 - low.frames(text) / 22050) <= 1 / 44100
    assert high.samples(texts[1]).dtype == np.float32


class OddRateEngine(FakeEngine):
    """The fake's clips at 16 kHz, a rate no session has, and of every length mod 5."""

    key = "fake-16k"
    sample_rate = 16000

    def synthesize(
        self, texts: Sequence[str], voice_id: str | None, rate: int
    ) -> list[tuple[Int16Array, int]]:
        made = super().synthesize(texts, voice_id, rate)
        return [(clip[: len(clip) - index % 5], rate_) for index, (clip, rate_) in enumerate(made)]


@pytest.mark.parametrize("sample_rate", [22050, 44100, 48000])
def test_frames_is_the_length_of_the_samples_by_the_length_rule(sample_rate: int) -> None:
    bank = SpeechBank(OddRateEngine(), None, 170, sample_rate, None)
    texts = [f"Set {n} of 9, {'hold it ' * (n % 4)}now." for n in range(1, 30)]
    bank.prepare(texts)
    for text in texts:
        trimmed, engine_rate = bank._clips[text]
        assert engine_rate == 16000
        expected = resampled_length(len(trimmed), 16000, sample_rate)
        assert bank.frames(text) == expected == len(bank.samples(text))


def test_samples_are_the_same_after_they_leave_the_recent_clips() -> None:
    bank = SpeechBank(OddRateEngine(), None, 170, 44100, None)
    first = bank.samples(PHRASE).copy()
    texts = [f"Filler number {n}, long enough to take room." for n in range(40)]
    for text in texts:
        bank.samples(text)
    assert sum(bank._recent._clips[t].nbytes for t in bank._recent._clips) <= RECENT_BYTES
    assert np.array_equal(bank.samples(PHRASE), first)


def _int16_bytes(bank: SpeechBank) -> int:
    return sum(clip.nbytes for clip, _ in bank._clips.values())


def test_the_bank_keeps_one_copy_of_each_clip() -> None:
    """Measured with tracemalloc (numpy reports its buffers to it): after measuring every phrase
    the bank holds the trimmed int16 clips and nothing else of size; rendering them all adds at
    most the recent clips' budget; preparing never holds a batch twice over."""
    # many short clips rather than a few long ones: the work of levelling one clip (a few float64
    # copies of it) stays small beside the batch, so a second copy of the batch stands out
    texts = [f"Phrase {n}: " + "lift the knee and hold it there, " * 2 for n in range(250)]
    bank = SpeechBank(FakeEngine(), None, 170, 44100, None)
    tracemalloc.start()
    try:
        bank.prepare(texts)
        _, prepare_peak = tracemalloc.get_traced_memory()
        lengths = [bank.frames(text) for text in texts]
        after_frames, _ = tracemalloc.get_traced_memory()
        for text in texts:
            bank.samples(text)
        after_samples, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    clips = _int16_bytes(bank)
    assert clips > 40 * 2**20  # big enough to see a second copy: about 0.19 MB per phrase
    float_bytes = 4 * sum(lengths)  # what float32 copies at 44.1 kHz would take: 4 x clips
    assert after_frames < 1.1 * clips  # lengths come from the rule, no float32 was made
    assert after_samples < 1.1 * clips + RECENT_BYTES + 2**20
    assert after_samples < clips + float_bytes / 4
    # the engine's untrimmed batch is let go of clip by clip while it is trimmed
    untrimmed = clips + len(texts) * round(0.13 * 22050) * 2
    assert prepare_peak < 1.2 * untrimmed


# --- the real engine ---


@pytest.fixture(scope="module")
def engine() -> Pyttsx3Engine:
    return Pyttsx3Engine()


@pytest.mark.slow
def test_real_clips_are_trimmed_and_resampled(engine: Pyttsx3Engine) -> None:
    ((raw, rate),) = engine.synthesize([PHRASE], None, 170)
    low = SpeechBank(engine, None, 170, 22050, None)
    high = SpeechBank(engine, None, 170, 44100, None)
    trimmed = low.samples(PHRASE)
    assert 0.5 * len(raw) < len(trimmed) < len(raw)  # espeak's end pause is gone
    assert trimmed[0] == 0 and trimmed[-1] == 0
    loud = np.flatnonzero(np.abs(trimmed) > 0.01 * np.abs(trimmed).max())
    assert loud[0] <= round(LEAD_SECONDS * rate)  # at most the lead margin before the sound
    assert len(trimmed) - 1 - loud[-1] <= round(TAIL_SECONDS * rate)  # and the tail after it
    assert abs(high.frames(PHRASE) / 44100 - low.frames(PHRASE) / 22050) <= 1 / 44100
    assert high.frames(PHRASE) == len(high.samples(PHRASE)) == 2 * len(trimmed)


@pytest.mark.slow
def test_real_bank_caches_and_german_differs(tmp_path: Path, engine: Pyttsx3Engine) -> None:
    cache = ClipCache(tmp_path / "clips")
    german = resolve_voice(engine, "de")
    bank = SpeechBank(engine, german, 170, 22050, cache)
    bank.prepare(["Links.", "Rechts."])
    assert bank.voice_label == "German"
    assert len(list(cache.folder.iterdir())) == 2
    english = SpeechBank(engine, None, 170, 22050, cache)
    assert not np.array_equal(english.samples("Links.")[:1000], bank.samples("Links.")[:1000])
    assert len(list(cache.folder.iterdir())) == 3


def test_voice_label_names_the_voice() -> None:
    fake = FakeEngine()
    assert SpeechBank(fake, fake.voices()[2], 170, 22050, None).voice_label == "Fake German"
    assert SpeechBank(fake, None, 170, 22050, None).voice_label == "default"
