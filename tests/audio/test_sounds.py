"""Sounds (the beeps): the generator, the committed WAVs, loading and resampling, custom and bad
files."""

from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
import wave
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt
import pytest

from voiceguide.audio.loudness import gain_of, loudness, true_peak
from voiceguide.audio.sounds import Sounds, level_of, read_sound
from voiceguide.errors import SoundError
from voiceguide.resources import cues_dir
from voiceguide.script.model import SOUND_NAMES

ROOT = Path(__file__).resolve().parents[2]
# the length each bundled sound is designed to have, in ms
DESIGN_MS = {"tick": 100, "go": 350, "end": 400, "rep": 50, "done": 800}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_cues", ROOT / "tools" / "make_cues.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _frames(milliseconds: int, rate: int) -> int:
    """round(ms x rate / 1000), a half rounding up."""
    return (milliseconds * rate + 500) // 1000


def _pcm16(path: Path) -> npt.NDArray[np.float64]:
    with wave.open(str(path), "rb") as file:
        assert (file.getnchannels(), file.getsampwidth(), file.getframerate()) == (1, 2, 44100)
        return np.frombuffer(file.readframes(file.getnframes()), "<i2") / 32767.0


def _write_wav(path: Path, rate: int, width: int, channels: int, samples: list[int]) -> Path:
    """A plain PCM WAV of integer samples (interleaved), written by the stdlib."""
    with wave.open(str(path), "wb") as file:
        file.setnchannels(channels)
        file.setsampwidth(width)
        file.setframerate(rate)
        if width == 1:
            data = bytes(samples)
        elif width == 3:
            data = b"".join(value.to_bytes(3, "little", signed=True) for value in samples)
        else:
            data = struct.pack(f"<{len(samples)}{'h' if width == 2 else 'i'}", *samples)
        file.writeframes(data)
    return path


# --- the generator and the committed files ---


def test_the_committed_sounds_are_what_the_generator_makes(tmp_path: Path) -> None:
    generator = _generator()
    assert generator.main(["--out", str(tmp_path)]) == 0
    for name in SOUND_NAMES:
        made = (tmp_path / f"{name}.wav").read_bytes()
        assert made == (ROOT / "audio_cues" / f"{name}.wav").read_bytes(), (
            f"rerun make_cues: {name}"
        )
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"{name}.wav" for name in SOUND_NAMES
    )


@pytest.mark.parametrize("name", SOUND_NAMES)
def test_each_sound_is_clean_short_and_in_the_phone_band(name: str) -> None:
    signal = _pcm16(ROOT / "audio_cues" / f"{name}.wav")
    assert len(signal) == _frames(DESIGN_MS[name], 44100)
    assert signal[0] == 0 and signal[-1] == 0
    # at the voice's loudness (the rep tick softer), never near clipping
    assert loudness(signal, 44100) == pytest.approx(level_of(name), abs=0.05)
    assert true_peak(signal, 44100) < gain_of(-3.0)
    if name != "done":
        assert len(signal) < 0.6 * 44100
    # no clicks: no step larger than the steepest sine in the band (2000 Hz) could make
    assert np.max(np.abs(np.diff(signal))) < 2 * np.pi * 2000 / 44100 * 0.71
    power = np.abs(np.fft.rfft(signal * np.hanning(len(signal)), 1 << 17)) ** 2
    frequencies = np.fft.rfftfreq(1 << 17, 1 / 44100)
    in_band = power[(frequencies >= 600) & (frequencies <= 2000)].sum() / power.sum()
    assert in_band > 0.999


def test_the_go_beep_keeps_its_energy_at_800_to_1200_hz_not_shrill() -> None:
    assert 800 <= _centroid(_pcm16(ROOT / "audio_cues" / "go.wav")) <= 1200


def test_the_sounds_differ_from_each_other() -> None:
    def fingerprint(name: str) -> tuple[float, float, float]:
        signal = _pcm16(ROOT / "audio_cues" / f"{name}.wav")
        half = len(signal) // 2
        return len(signal) / 44100, _centroid(signal[:half]), _centroid(signal[half:])

    prints = {name: fingerprint(name) for name in SOUND_NAMES}
    for first in SOUND_NAMES:
        for second in SOUND_NAMES:
            if first < second:
                a, b = prints[first], prints[second]
                # apart by at least 40 ms in length or 150 Hz in pitch, at start or end
                assert (
                    abs(a[0] - b[0]) >= 0.04 or abs(a[1] - b[1]) >= 150 or abs(a[2] - b[2]) >= 150
                ), (first, second)
    # go rises, end falls
    assert prints["go"][2] > prints["go"][1] + 200
    assert prints["end"][2] < prints["end"][1] - 200


def _centroid(signal: npt.NDArray[np.float64]) -> float:
    power = np.abs(np.fft.rfft(signal, 1 << 16)) ** 2
    return float((power * np.fft.rfftfreq(1 << 16, 1 / 44100)).sum() / power.sum())


@pytest.mark.slow
@pytest.mark.parametrize("name", SOUND_NAMES)
def test_sox_reads_the_sounds_as_we_do(name: str) -> None:
    path = cues_dir() / f"{name}.wav"

    def soxi(option: str) -> str:
        return subprocess.run(
            ["soxi", option, str(path)], capture_output=True, text=True, check=True
        ).stdout.strip()

    samples, rate = read_sound(path)
    assert int(soxi("-r")) == rate == 44100
    assert int(soxi("-b")) == 16
    assert int(soxi("-c")) == 1
    assert int(soxi("-s")) == len(samples) == _frames(DESIGN_MS[name], 44100)
    assert soxi("-e") == "Signed Integer PCM"
    assert float(soxi("-D")) == pytest.approx(DESIGN_MS[name] / 1000)
    # and sox decodes the same values
    decoded = subprocess.run(
        ["sox", str(path), "-t", "f32", "-"], capture_output=True, check=True
    ).stdout
    np.testing.assert_allclose(np.frombuffer(decoded, "<f4"), samples, atol=1e-6)


# --- Sounds with the bundled files ---


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_bundled_sounds_load_at_the_session_rate(rate: int) -> None:
    sounds = Sounds({}, rate)
    expected = {name: _frames(DESIGN_MS[name], rate) for name in SOUND_NAMES}
    assert sounds.lengths() == expected
    for name in SOUND_NAMES:
        clip = sounds.samples(name)
        assert clip.dtype == np.float32
        assert clip.shape == (expected[name],)
        # resampling keeps the level (a little overshoot from the filter is fine)
        native = float(np.max(np.abs(sounds_at_native(name))))
        assert float(np.max(np.abs(clip))) == pytest.approx(native, rel=0.03)
        # the sound itself, not a stretched one: its pitch stays put
        assert _dominant_frequency(clip, rate) == pytest.approx(
            _dominant_frequency(sounds_at_native(name), 44100), abs=15
        )


def sounds_at_native(name: str) -> npt.NDArray[np.float32]:
    return read_sound(cues_dir() / f"{name}.wav")[0]


def _dominant_frequency(signal: npt.NDArray[np.float32], rate: int) -> float:
    power = np.abs(np.fft.rfft(signal, 1 << 17))
    return float(np.fft.rfftfreq(1 << 17, 1 / rate)[np.argmax(power)])


def test_clips_are_read_only() -> None:
    clip = Sounds({}, 22050).samples("tick")
    with pytest.raises(ValueError):
        clip[0] = 1.0


def test_an_unknown_sound_name_is_a_sound_error() -> None:
    with pytest.raises(SoundError, match="no sound named 'beep'; the sounds are done, end"):
        Sounds({}, 22050).samples("beep")


# --- custom files ---


def test_an_override_replaces_only_its_sound(tmp_path: Path) -> None:
    custom = _write_wav(tmp_path / "go.wav", 22050, 2, 1, [0, 16384, -16384, 32767, 0])
    sounds = Sounds({"go": custom}, 22050)
    # the same samples, brought to the voice's level (here: turned down, under the ceiling)
    made = sounds.samples("go")
    ratio = made[1] / 0.5
    assert 0 < ratio < 1
    assert made.tolist() == pytest.approx([0.0, 0.5 * ratio, -0.5 * ratio, ratio, 0.0], rel=1e-4)
    assert sounds.lengths()["tick"] == _frames(100, 22050)


@pytest.mark.parametrize("name", ["go", "rep"])
def test_a_scripts_own_sound_is_matched_to_the_voice_whatever_its_level(
    tmp_path: Path, name: str
) -> None:
    """A loud and a quiet file of the same tone come out at the same level: the bundled one's."""
    t = np.arange(round(0.3 * 44100)) / 44100
    tone = np.sin(2 * np.pi * 1000 * t) * np.hanning(len(t))
    levels = []
    for scale in (0.9, 0.01):
        path = tmp_path / f"{scale}.wav"
        _write_wav(path, 44100, 2, 1, [round(v * scale * 32767) for v in tone])
        clip = Sounds({name: path}, 44100).samples(name)
        levels.append(loudness(clip, 44100))
    assert levels == pytest.approx([level_of(name)] * 2, abs=0.1)


def test_8_bit_stereo_is_mixed_to_mono(tmp_path: Path) -> None:
    # 8-bit WAV is unsigned around 128: (192, 128) -> (0.5 + 0) / 2; (0, 64) -> (-1 - 0.5) / 2
    path = _write_wav(tmp_path / "s8.wav", 8000, 1, 2, [192, 128, 0, 64, 128, 128, 255, 255])
    samples, rate = read_sound(path)
    assert rate == 8000
    assert samples.dtype == np.float32
    assert samples.tolist() == [0.25, -0.75, 0.0, 127 / 128]


def test_24_bit_and_32_bit_values_are_exact(tmp_path: Path) -> None:
    values = [0, 2**22, -(2**23), 2**23 - 1, -1]
    samples, _ = read_sound(_write_wav(tmp_path / "s24.wav", 44100, 3, 1, values))
    assert samples.tolist() == [np.float32(v / 2**23) for v in values]
    values32 = [0, 2**30, -(2**31), -1]
    samples, _ = read_sound(_write_wav(tmp_path / "s32.wav", 44100, 4, 1, values32))
    assert samples.tolist() == [np.float32(v / 2**31) for v in values32]


def test_float_extensible_wav_with_extra_chunks(tmp_path: Path) -> None:
    # a hand-made WAVE_FORMAT_EXTENSIBLE float file with a LIST chunk of odd size before the data
    pcm = np.array([0.25, -0.5, 2.0, np.nan], dtype="<f4").tobytes()
    guid_float = struct.pack("<H", 3) + bytes.fromhex("000000001000800000aa00389b71")
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 16000, 64000, 4, 32, 22, 32, 4) + guid_float
    list_chunk = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\0"
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + list_chunk
    body += b"data" + struct.pack("<I", len(pcm)) + pcm
    path = tmp_path / "float.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    samples, rate = read_sound(path)
    assert rate == 16000
    assert samples.tolist() == [0.25, -0.5, 1.0, 0.0]


@pytest.mark.slow
def test_sox_made_files_load_as_sox_decodes_them(tmp_path: Path) -> None:
    stereo8 = tmp_path / "stereo8.wav"
    deep24 = tmp_path / "deep24.wav"
    make = ["sox", "-n", "-r", "16000", "-b", "8", "-c", "2", str(stereo8)]
    subprocess.run([*make, "synth", "0.2", "sine", "440", "sine", "1000"], check=True)
    make = ["sox", "-n", "-r", "48000", "-b", "24", str(deep24)]
    subprocess.run([*make, "synth", "0.25", "sine", "1000", "vol", "0.5"], check=True)
    for path, rate, frames in [(stereo8, 16000, 3200), (deep24, 48000, 12000)]:
        samples, read_rate = read_sound(path)
        assert (read_rate, len(samples)) == (rate, frames)
        mono = subprocess.run(
            ["sox", str(path), "-t", "f32", "-c", "1", "-"], capture_output=True, check=True
        ).stdout
        np.testing.assert_allclose(samples, np.frombuffer(mono, "<f4"), atol=1e-6)
    sounds = Sounds({"tick": stereo8, "go": deep24}, 22050)
    assert sounds.lengths()["tick"] == 4410  # 0.2 s
    assert sounds.lengths()["go"] == 5513  # 0.25 s: 5512.5 rounds up
    assert _dominant_frequency(sounds.samples("go"), 22050) == pytest.approx(1000, abs=2)


# --- other containers and encodings, made by sox ---


def _sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


def _sox_mono(path: Path) -> npt.NDArray[np.float32]:
    """What sox decodes from the file, mixed to mono, as float32."""
    out = subprocess.run(
        ["sox", str(path), "-t", "f32", "-c", "1", "-"], capture_output=True, check=True
    ).stdout
    return np.frombuffer(out, "<f4")


def _soxi_frames(path: Path) -> int:
    return int(subprocess.run(["soxi", "-s", str(path)], capture_output=True, text=True,
                              check=True).stdout)  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suffix", "encoding", "tolerance"),
    [
        ("flac", [], 1e-6),
        ("aiff", [], 1e-6),
        ("wav", ["-e", "floating-point", "-b", "32"], 1e-7),  # float32 WAV
        ("wav", ["-e", "a-law"], 1e-6),
        ("ogg", [], 1e-4),  # lossy: sox and libsndfile both decode through libvorbis
    ],
)
def test_sounds_in_every_accepted_container_load_as_sox_decodes_them(
    tmp_path: Path, suffix: str, encoding: list[str], tolerance: float
) -> None:
    path = tmp_path / f"go.{suffix}"
    _sox("-n", "-r", "32000", "-c", "2", *encoding, str(path), "synth", "0.3", "sine", "700",
         "sine", "1100", "vol", "0.6")  # fmt: skip
    samples, rate = read_sound(path)
    assert rate == 32000
    assert samples.dtype == np.float32
    assert len(samples) == _soxi_frames(path)
    np.testing.assert_allclose(samples, _sox_mono(path), atol=tolerance)
    # and as a session's sound: resampled to the session rate by the one length rule
    sounds = Sounds({"go": path}, 22050)
    assert sounds.lengths()["go"] == (len(samples) * 22050 + 16000) // 32000
    assert _dominant_frequency(sounds.samples("go"), 22050) in (
        pytest.approx(700, abs=3),
        pytest.approx(1100, abs=3),
    )


# --- bad files ---


def _wav_claiming(path: Path, rate: int) -> Path:
    """A 16-bit mono WAV whose header claims `rate` samples per second."""
    pcm = struct.pack("<4h", 0, 8000, -8000, 0)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, (rate * 2) & 0xFFFFFFFF, 2, 16)
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def _junk_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Bad file -> (path, the message after the path)."""
    text = tmp_path / "notes.wav"
    text.write_text("these are not samples\n")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    good = _write_wav(tmp_path / "good.wav", 8000, 2, 1, [1, 2, 3, 4])
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:30])
    silent = _write_wav(tmp_path / "silent.wav", 8000, 2, 1, [])
    unknown = tmp_path / "unknown.wav"  # a format tag no codec has
    fmt = struct.pack("<HHIIHH", 0x1234, 1, 8000, 16000, 2, 16)
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 4) + b"\xd5" * 4
    unknown.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    fix = "; use a PCM WAV file, e.g. `sox input -b 16 output.wav`"
    rate_fix = "; convert it, e.g. `sox input -r 44100 output.wav`"
    return {
        "text": (text, "is not a WAV, AIFF, FLAC or OGG file" + fix),
        "empty": (empty, "is not a WAV, AIFF, FLAC or OGG file" + fix),
        "truncated": (
            truncated,
            "is damaged or in an encoding that cannot be read (Error in WAV file. No 'data' "
            "chunk marker)" + fix,
        ),
        "silent": (silent, "holds no audio" + fix),
        "unknown encoding": (
            unknown,
            "is damaged or in an encoding that cannot be read (Error in WAV/W64/RF64 file. "
            "Malformed 'fmt ' chunk)" + fix,
        ),
        # a rate past 2**31 does not fit libsndfile's int: it says only that it is impossible
        "4294967295 Hz": (
            _wav_claiming(tmp_path / "max.wav", 4_294_967_295),
            "claims an impossible sample rate; the rate must be from 8,000 to 384,000 Hz"
            + rate_fix,
        ),
        "1 Hz": (
            _wav_claiming(tmp_path / "slow.wav", 1),
            "claims a sample rate of 1 Hz; the rate must be from 8,000 to 384,000 Hz" + rate_fix,
        ),
        "2147483647 Hz": (
            _wav_claiming(tmp_path / "fast.wav", 2_147_483_647),
            "claims a sample rate of 2,147,483,647 Hz; the rate must be from 8,000 to "
            "384,000 Hz" + rate_fix,
        ),
    }


JUNK = ["text", "empty", "truncated", "silent", "unknown encoding", "4294967295 Hz", "1 Hz",
        "2147483647 Hz"]  # fmt: skip


@pytest.mark.parametrize("kind", JUNK)
def test_a_bad_file_is_one_line_naming_it_and_the_fix(tmp_path: Path, kind: str) -> None:
    path, message = _junk_files(tmp_path)[kind]
    with pytest.raises(SoundError) as caught:
        Sounds({"tick": path}, 22050)
    assert str(caught.value) == f"sound {path} {message}"
    assert caught.value.exit_status == 2


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_a_file_that_cannot_be_opened_says_why(tmp_path: Path, kind: str) -> None:
    path, reason = {
        "missing": (tmp_path / "nowhere.wav", "no such file or directory"),
        "folder": (tmp_path, "is a directory"),
    }[kind]
    with pytest.raises(SoundError) as caught:
        read_sound(path)
    assert str(caught.value) == f"cannot read sound {path}: {reason}"


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "container"), [("mp3", "MP3"), ("au", "AU")])
def test_containers_libsndfile_knows_but_the_format_does_not_promise_are_refused(
    tmp_path: Path, suffix: str, container: str
) -> None:
    path = tmp_path / f"go.{suffix}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=800:duration=0.3",
         str(path)],
        check=True,
    )  # fmt: skip
    with pytest.raises(SoundError) as caught:
        read_sound(path)
    assert str(caught.value) == (
        f"sound {path} is {container}, not WAV, AIFF, FLAC or OGG; use a PCM WAV file, "
        "e.g. `sox input -b 16 output.wav`"
    )


def test_a_long_file_is_refused(tmp_path: Path) -> None:
    path = _write_wav(tmp_path / "song.wav", 8000, 1, 1, [128] * 248_000)
    with pytest.raises(SoundError) as caught:
        read_sound(path)
    assert str(caught.value) == f"sound {path} is 31 s long; a sound must be under 30 s"


def test_importing_sounds_keeps_soxr_and_soundfile_lazy() -> None:
    code = (
        "import sys, voiceguide.audio.sounds, voiceguide.script.reader\n"
        "print([m for m in ('soxr', 'soundfile') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
