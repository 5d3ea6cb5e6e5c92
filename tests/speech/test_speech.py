"""The speech layer: the fake engine (fast), the real pyttsx3 + espeak-ng engine, the clip cache."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.support.processes import processes_with_arg
from voiceguide.errors import UnknownVoiceError, VoiceError
from voiceguide.speech.bank import FakeEngine, SpeechBank, VoiceInfo, default_engine, resolve_voice
from voiceguide.speech.cache import ClipCache, clip_key, default_cache_folder
from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine

PYTHON = sys.executable
PHRASE = "Move two of four. Standing banded fire hydrant."


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("VOICEGUIDE_CACHE", str(folder))
    return folder


@pytest.fixture(scope="module")
def engine() -> Pyttsx3Engine:
    return Pyttsx3Engine()


def fake_bank(sample_rate: int = 22050, cache: ClipCache | None = None) -> SpeechBank:
    return SpeechBank(FakeEngine(), None, 170, sample_rate, cache)


def tone(frames: int, rate: int = 22050, pitch: float = 220.0) -> np.ndarray:
    t = np.arange(frames) / rate
    return np.round(np.sin(2 * np.pi * pitch * t) * 12000).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """A mono 16-bit WAV written by the stdlib, not by the code under test."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


# ---------------------------------------------------------------- the fake engine (fast) ------


def test_fake_engine_length_grows_with_text_and_falls_with_rate() -> None:
    fake = FakeEngine()
    (short, sr), (long, _) = fake.synthesize(["Rest.", "Lie on your side, knees bent."], None, 170)
    (slow, _), (fast, _) = [fake.synthesize(["Rest now."], None, r)[0] for r in (100, 300)]
    assert sr == 22050
    assert short.dtype == np.int16 and len(short) < len(long)
    assert len(slow) > len(fast)
    assert fake.batches[0] == ["Rest.", "Lie on your side, knees bent."]


def test_fake_engine_is_deterministic_and_texts_sound_different() -> None:
    first = FakeEngine().synthesize(["Halfway.", "Rest."], "fake/de", 170)
    again = FakeEngine().synthesize(["Halfway.", "Rest."], "fake/de", 170)
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(first, again, strict=True))
    halfway, rest = first[0][0], first[1][0]
    assert not np.array_equal(halfway[: len(rest)], rest[: len(halfway)])


def test_fake_engine_refuses_a_voice_it_does_not_have() -> None:
    with pytest.raises(VoiceError, match='no voice "gmw/de"'):
        FakeEngine().synthesize(["Hallo."], "gmw/de", 170)


def test_resolve_voice_by_id_language_family_and_name_part() -> None:
    fake = FakeEngine()
    assert resolve_voice(fake, None) is None
    assert resolve_voice(fake, "fake/de") == fake.voices()[2]
    assert resolve_voice(fake, "DE").id == "fake/de"  # type: ignore[union-attr]
    assert resolve_voice(fake, "en_US").id == "fake/en-us"  # type: ignore[union-attr]
    assert resolve_voice(fake, "en").id == "fake/en"  # type: ignore[union-attr]
    assert resolve_voice(fake, "america").id == "fake/en-us"  # type: ignore[union-attr]
    assert resolve_voice(fake, "english").id == "fake/en-us"  # type: ignore[union-attr]


def test_resolve_voice_unknown_names_the_three_closest() -> None:
    with pytest.raises(UnknownVoiceError) as caught:
        resolve_voice(FakeEngine(), "germn")
    assert str(caught.value) == (
        'no voice "germn"; closest: "Fake German" (de), "Fake English (America)" (en-us), '
        '"Fake English (Great Britain)" (en-gb); see `voiceguide voices`'
    )
    assert caught.value.exit_status == 2


# ---------------------------------------------------------------- the clip cache --------------


def test_cache_folder_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VOICEGUIDE_CACHE", str(tmp_path / "vg"))
    assert default_cache_folder() == tmp_path / "vg" / "speech"
    monkeypatch.delenv("VOICEGUIDE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_folder() == tmp_path / "xdg" / "voiceguide" / "speech"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_folder() == tmp_path / "home" / ".cache" / "voiceguide" / "speech"


def test_cache_key_changes_with_every_input() -> None:
    base = clip_key("pyttsx3-espeak", "gmw/en", 170, "Rest.")
    others = {
        clip_key("pyttsx3-sapi5", "gmw/en", 170, "Rest."),
        clip_key("pyttsx3-espeak", "gmw/de", 170, "Rest."),
        clip_key("pyttsx3-espeak", None, 170, "Rest."),
        clip_key("pyttsx3-espeak", "gmw/en", 171, "Rest."),
        clip_key("pyttsx3-espeak", "gmw/en", 170, "Rest"),
    }
    assert base not in others and len(others) == 5
    assert base == clip_key("pyttsx3-espeak", "gmw/en", 170, "Rest.")


def test_cache_round_trip_leaves_no_temp_files(cache_dir: Path) -> None:
    cache = ClipCache()
    assert cache.folder == cache_dir / "speech"
    assert cache.get("a" * 64) is None
    clip = tone(3000)
    cache.put("a" * 64, clip, 22050)
    stored, rate = cache.get("a" * 64)  # type: ignore[misc]
    assert rate == 22050 and np.array_equal(stored, clip)
    assert [p.name for p in cache.folder.iterdir()] == ["a" * 64 + ".clip"]


@pytest.mark.parametrize("damage", ["truncated", "junk", "wrong header", "checksum", "empty"])
def test_a_damaged_entry_is_a_miss_and_is_rebuilt(tmp_path: Path, damage: str) -> None:
    fake = FakeEngine()
    cache = ClipCache(tmp_path / "clips")
    SpeechBank(fake, None, 170, 22050, cache).prepare(["Halfway."])
    entry = cache.path(clip_key("fake", None, 170, "Halfway."))
    good = entry.read_bytes()
    damaged = {
        "truncated": good[: len(good) - 101],
        "junk": os.urandom(len(good)),
        "wrong header": b"RIFF" + good[4:],
        "checksum": good[:-1] + bytes([good[-1] ^ 0x40]),
        "empty": b"",
    }[damage]
    entry.write_bytes(damaged)

    bank = SpeechBank(fake, None, 170, 22050, cache)
    assert bank.frames("Halfway.") > 0
    assert fake.batches == [["Halfway."], ["Halfway."]]  # synthesized again
    assert entry.read_bytes() == good  # and rewritten whole


def test_an_unwritable_cache_folder_means_no_caching_and_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = ClipCache(blocker / "speech")  # mkdir fails: a file is in the way
    fake = FakeEngine()
    bank = SpeechBank(fake, None, 170, 22050, cache)
    assert bank.frames("Rest.") > 0
    assert SpeechBank(fake, None, 170, 22050, cache).frames("Rest.") > 0
    assert len(fake.batches) == 2


READ_ONLY_CHECK = """
import sys
from pathlib import Path
import numpy as np
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.bank import FakeEngine, SpeechBank
folder = Path(sys.argv[1])
try:
    (folder / "probe").write_text("x")
    print("writable")
except OSError:
    pass
cache = ClipCache(folder)
fake = FakeEngine()
bank = SpeechBank(fake, None, 170, 22050, cache)
bank.prepare(["Rest.", "Halfway."])
print("batches", fake.batches)
print("entries", len(list(folder.iterdir())))
"""


@pytest.mark.slow
def test_a_read_only_cache_folder_still_serves_hits_and_takes_no_writes(tmp_path: Path) -> None:
    """A real read-only mount (a private mount namespace), so root cannot write either."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    folder = tmp_path / "clips"
    SpeechBank(FakeEngine(), None, 170, 22050, ClipCache(folder)).prepare(["Rest."])
    script = tmp_path / "check.py"
    script.write_text(READ_ONLY_CHECK)
    mount = f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}"'
    run = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f'{mount} && exec "$@"', "sh", PYTHON, str(script),
         str(folder)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if run.returncode != 0 and "mount" in run.stderr:
        pytest.skip(f"no private read-only mount here: {run.stderr.strip()}")
    assert run.returncode == 0, run.stderr
    assert "writable" not in run.stdout
    assert "batches [['Halfway.']]" in run.stdout  # "Rest." was a hit, "Halfway." was made
    assert "entries 1" in run.stdout  # and nothing was written


ATOMIC_WRITER = """
import sys
from pathlib import Path
import numpy as np
from voiceguide.speech.cache import ClipCache
cache = ClipCache(Path(sys.argv[1]))
clips = [np.full(40000, 1000, dtype=np.int16), np.arange(30000, dtype=np.int16)]
for i in range(int(sys.argv[2])):
    cache.put("k" * 64, clips[i % 2], 22050 + i % 2)
"""


@pytest.mark.slow
def test_writes_are_atomic_a_reader_sees_a_whole_entry_or_none(tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    script = tmp_path / "writer.py"
    script.write_text(ATOMIC_WRITER)
    cache = ClipCache(folder)
    first, second = np.full(40000, 1000, dtype=np.int16), np.arange(30000, dtype=np.int16)
    writer = subprocess.Popen([PYTHON, str(script), str(folder), "400"])
    seen = {22050: 0, 22051: 0}
    try:
        while writer.poll() is None:
            hit = cache.get("k" * 64)
            if hit is None:
                assert not cache.path("k" * 64).exists() or writer.poll() is None
                continue
            samples, rate = hit
            assert np.array_equal(samples, first if rate == 22050 else second)
            seen[rate] += 1
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert seen[22050] > 0 and seen[22051] > 0  # the reader really raced the writer
    assert [p.name for p in folder.iterdir()] == ["k" * 64 + ".clip"]  # no temp files left


# ---------------------------------------------------------------- the real engine -------------


@pytest.mark.slow
def test_voices_include_english_and_german(engine: Pyttsx3Engine) -> None:
    voices = engine.voices()
    assert len(voices) > 10
    languages = {code for voice in voices for code in voice.languages}
    assert {"en-gb", "en-us", "de"} <= languages
    assert all(isinstance(v, VoiceInfo) and v.id and v.name for v in voices)
    assert engine.key == "pyttsx3-espeak"


@pytest.mark.slow
def test_resolve_real_voices(engine: Pyttsx3Engine) -> None:
    by_id = resolve_voice(engine, "gmw/de")
    assert by_id is not None and by_id.name == "German"
    assert resolve_voice(engine, "de") == by_id
    assert resolve_voice(engine, "GERMAN") == by_id
    british = resolve_voice(engine, "en-gb")
    assert british is not None and british.name == "English (Great Britain)"
    assert resolve_voice(engine, "en") == british
    america = resolve_voice(engine, "america")
    assert america is not None and america.id == "gmw/en-us"


@pytest.mark.slow
def test_unknown_real_voice_names_three_close_ones(engine: Pyttsx3Engine) -> None:
    with pytest.raises(UnknownVoiceError) as caught:
        resolve_voice(engine, "elvish")
    message = str(caught.value)
    assert message.startswith('no voice "elvish"; closest: "')
    assert message.endswith("; see `voiceguide voices`")
    listed = message.split("closest: ")[1].split("; see")[0]
    assert listed.count('" (') == 3 and "\n" not in message


def run_worker(request: dict[str, object]) -> list[dict[str, object]]:
    """The worker's messages; a clip's samples (the bytes after its line) under "payload"."""
    done = subprocess.run(
        [PYTHON, "-m", "voiceguide.speech.pyttsx3_worker"],
        input=(json.dumps(request) + "\n").encode(), capture_output=True, timeout=60,
    )  # fmt: skip
    messages, rest = [], done.stdout
    while rest:
        line, rest = rest.split(b"\n", 1)
        message = json.loads(line)
        if "bytes" in message:
            message["payload"], rest = rest[: message["bytes"]], rest[message["bytes"] :]
        messages.append(message)
    return messages


def soxi(path: Path, flag: str) -> str:
    return subprocess.run(["soxi", flag, str(path)], capture_output=True, text=True).stdout.strip()


@pytest.mark.slow
def test_clip_length_matches_espeak_ng_and_nothing_else_is_on_the_channel(
    engine: Pyttsx3Engine, tmp_path: Path
) -> None:
    texts = ["Rest.", PHRASE]
    messages = run_worker(
        {"op": "synthesize", "driver": "espeak", "texts": texts, "voice": None, "rate": 180}
    )
    assert messages[0] == {"ready": "espeak"}  # nothing else on the channel ("Audio saved to")
    assert [m["clip"] for m in messages[1:]] == [0, 1]
    clips = list(engine.synthesize(texts, None, 180, native=True))  # as the worker was asked
    for message, text, (samples, rate) in zip(messages[1:], texts, clips, strict=True):
        assert message["sample_rate"] == rate == 22050
        assert message["bytes"] == len(message["payload"]) == 2 * len(samples)  # type: ignore[arg-type]
        assert np.array_equal(np.frombuffer(message["payload"], "<i2"), samples)  # type: ignore[arg-type]
        # espeak-ng itself, on the same text and rate: the same length, so the rate is right
        reference = tmp_path / f"espeak-{len(text)}.wav"
        subprocess.run(["espeak-ng", "-s", "180", "-w", str(reference), text], check=True)
        assert int(soxi(reference, "-s")) == len(samples)
        assert soxi(reference, "-r") == "22050"


@pytest.mark.slow
def test_real_clips_are_deterministic_whatever_came_before(engine: Pyttsx3Engine) -> None:
    """espeak-ng carries state between utterances of one process; the worker forks it away."""
    (alone,) = engine.synthesize([PHRASE], None, 170)
    batch = ["Rest.", "Halfway.", "Set two of three.", PHRASE]
    later = list(engine.synthesize(batch, None, 170))[3]
    (again,) = engine.synthesize([PHRASE], None, 170)
    assert alone[1] == later[1] == again[1] == 22050
    assert np.array_equal(alone[0], later[0]) and np.array_equal(alone[0], again[0])


CONCURRENT_USER = """
import hashlib, sys
from pathlib import Path
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.bank import SpeechBank, default_engine
texts = [f"Set {n} of 12. Lift the top knee." for n in range(1, 13)] + ["Rest.", "Halfway."]
bank = SpeechBank(default_engine(), None, 170, 22050, ClipCache(Path(sys.argv[1])))
bank.prepare(texts)
print(hashlib.sha256(b"".join(bank.samples(t).tobytes() for t in texts)).hexdigest())
"""


@pytest.mark.slow
def test_two_processes_sharing_one_cache_both_get_it_right(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    script = tmp_path / "user.py"
    script.write_text(CONCURRENT_USER)
    users = [
        subprocess.Popen([PYTHON, str(script), str(folder)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    digests = [user.communicate(timeout=120)[0].strip() for user in users]
    assert all(user.returncode == 0 for user in users)
    warm = subprocess.run(
        [PYTHON, str(script), str(folder)], capture_output=True, text=True, timeout=120
    )
    assert digests[0] == digests[1] == warm.stdout.strip() != ""
    cache = ClipCache(folder)
    entries = list(folder.iterdir())
    assert len(entries) == 14 and all(cache.get(p.stem) is not None for p in entries)


# ---------------------------------------------------------------- failures --------------------


@pytest.mark.slow
def test_a_worker_that_never_starts_gives_the_timeout_error_and_is_killed() -> None:
    marker = f"31.{os.getpid()}"  # a unique argument, to find the process again
    hanging = Pyttsx3Engine(command=["sleep", marker], start_timeout=0.5)
    began = time.monotonic()
    with pytest.raises(VoiceError) as caught:
        list(hanging.synthesize(["Rest."], None, 170))
    assert time.monotonic() - began < 5
    assert str(caught.value) == (
        "the speech engine hung: it took more than 0.5 s to start; it was stopped"
    )
    assert processes_with_arg(f"sleep {marker}") == []


HANGING_WORKER = """
import json, sys, time
sys.stdin.readline()
print(json.dumps({"ready": "espeak"}), flush=True)
time.sleep(60)
"""


@pytest.mark.slow
def test_a_clip_that_hangs_gives_one_line_naming_it(tmp_path: Path) -> None:
    script = tmp_path / "hang_after_ready.py"
    script.write_text(HANGING_WORKER)
    hanging = Pyttsx3Engine(command=[PYTHON, str(script)], clip_timeout=0.3, seconds_per_char=0.1)
    began = time.monotonic()
    with pytest.raises(VoiceError) as caught:
        list(hanging.synthesize(["Rest."], None, 170))
    took = time.monotonic() - began
    assert str(caught.value) == (
        'the speech engine hung: it took more than 0.8 s to say "Rest."; it was stopped'
    )
    assert 0.8 <= took < 10  # the limit grows with the text: 0.3 s + 5 chars x 0.1 s
    assert processes_with_arg(str(script)) == []


@pytest.mark.slow
def test_a_worker_that_dies_reports_its_last_words() -> None:
    dying = Pyttsx3Engine(command=[PYTHON, "-c", "import sys; sys.exit('espeak went away')"])
    with pytest.raises(VoiceError) as caught:
        dying.voices()
    assert str(caught.value) == (
        "the speech worker stopped (status 1) before it was able to start: espeak went away"
    )


@pytest.mark.slow
def test_an_unknown_voice_id_in_the_worker_is_one_clear_line(engine: Pyttsx3Engine) -> None:
    with pytest.raises(VoiceError) as caught:
        list(engine.synthesize(["Rest."], "no/such-voice", 170))
    message = str(caught.value)
    assert message.startswith('cannot synthesize "Rest.": the voice "no/such-voice" cannot be')
    assert "\n" not in message


def espeak_library() -> Path | None:
    for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
        candidate = Path(folder) / "libespeak-ng.so.1"
        if candidate.exists():
            return candidate.resolve()
    return None


@pytest.mark.slow
def test_missing_espeak_library_says_what_to_install() -> None:
    """Really hide libespeak-ng: /dev/null is mounted over it in a private mount namespace."""
    library = espeak_library()
    if library is None or shutil.which("unshare") is None:
        pytest.skip("needs libespeak-ng and unshare")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no private mount namespaces here")
    hide = f'mount --bind /dev/null "{library}" && exec "$@"'
    worker = "voiceguide.speech.pyttsx3_worker"
    command = ["unshare", "-rm", "sh", "-c", hide, "sh", PYTHON, "-m", worker]
    with pytest.raises(VoiceError) as caught:
        list(Pyttsx3Engine(command=command).synthesize(["Rest."], None, 170))
    assert str(caught.value) == (
        "espeak-ng is missing; install espeak-ng: sudo apt-get install espeak-ng"
    )


PATCHED_LOADER = """
import ctypes, runpy
real = ctypes.cdll.LoadLibrary
def load(name, *args, **kwargs):
    if "espeak" in str(name):
        raise OSError(f"{name}: cannot open shared object file")
    return real(name, *args, **kwargs)
ctypes.cdll.LoadLibrary = load
runpy.run_module("voiceguide.speech.pyttsx3_worker", run_name="__main__")
"""


@pytest.mark.slow
def test_missing_espeak_with_a_loader_that_cannot_find_it() -> None:
    engine = Pyttsx3Engine(command=[PYTHON, "-c", PATCHED_LOADER])
    with pytest.raises(VoiceError) as caught:
        engine.voices()
    assert str(caught.value) == (
        "espeak-ng is missing; install espeak-ng: sudo apt-get install espeak-ng"
    )


INTERRUPTED_PARENT = """
import sys
from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine
engine = Pyttsx3Engine(command=["sleep", sys.argv[1]], start_timeout=120)
print("synthesizing", flush=True)
try:
    list(engine.synthesize(["Rest."], None, 170))
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
"""


@pytest.mark.slow
def test_the_worker_is_killed_when_the_caller_is_interrupted(tmp_path: Path) -> None:
    marker = f"27.{os.getpid()}"
    script = tmp_path / "parent.py"
    script.write_text(INTERRUPTED_PARENT)
    parent = subprocess.Popen([PYTHON, str(script), marker], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline() == "synthesizing\n"
        deadline = time.monotonic() + 20
        while not processes_with_arg(f"sleep {marker}"):
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.02)
        parent.send_signal(signal.SIGINT)
        out, _ = parent.communicate(timeout=20)
    finally:
        if parent.poll() is None:
            parent.kill()
    assert parent.returncode == 130 and out == "interrupted\n"
    assert processes_with_arg(f"sleep {marker}") == []


def test_default_engine_is_cheap_to_make() -> None:
    """Making the engine starts nothing: the worker runs only for voices() and synthesize()."""
    made = default_engine()
    assert isinstance(made, Pyttsx3Engine) and made.key == "pyttsx3-espeak"
    assert list(made.synthesize([], None, 170)) == []


@pytest.fixture
def no_leftover_workers() -> Iterator[None]:
    yield
    assert processes_with_arg("voiceguide.speech.pyttsx3_worker", parent=os.getpid()) == []


@pytest.mark.slow
@pytest.mark.usefixtures("no_leftover_workers")
def test_no_worker_outlives_a_batch(engine: Pyttsx3Engine) -> None:
    assert len(list(engine.synthesize(["One.", "Two.", "Three."], None, 200))) == 3
