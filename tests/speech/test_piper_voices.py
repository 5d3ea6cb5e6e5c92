"""Finding Piper voices and the Piper engine's bookkeeping: fast, without running Piper.

A voice folder here holds the real settings file of the bundled voice beside a model file that
is never loaded; the tests that run the real voice are in test_piper_engine.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voiceguide.errors import UnknownVoiceError
from voiceguide.speech import piper_voices
from voiceguide.speech.piper_engine import (
    CALIBRATED_WPM,
    PiperEngine,
    default_layout,
    length_scale,
    share_out,
)
from voiceguide.speech.piper_voices import (
    BadVoiceFileError,
    find_voice,
    installed_voices,
    is_piper_spec,
    voices_folder,
)

BUNDLED = piper_voices.bundled_model()
needs_bundled = pytest.mark.skipif(BUNDLED is None, reason="the piper extra is not installed")


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def add_voice(folder: Path, name: str) -> Path:
    """A voice NAME in folder: the bundled voice's settings, a model that is never loaded."""
    assert BUNDLED is not None
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    model.write_bytes(b"not loaded by these tests")
    shutil.copy(BUNDLED.with_name(BUNDLED.name + ".json"), folder / f"{name}.onnx.json")
    return model


def test_specs_are_told_by_their_prefix() -> None:
    assert is_piper_spec("piper:en_US-joe-medium") and is_piper_spec(" Piper:x")
    assert not is_piper_spec("en-gb") and not is_piper_spec(None) and not is_piper_spec("gmw/en")


def test_the_voices_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert voices_folder() == tmp_path / "data" / "voiceguide" / "voices"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert voices_folder() == tmp_path / "home" / ".local" / "share" / "voiceguide" / "voices"


@needs_bundled
def test_the_bundled_voice_is_found_by_name_in_any_case() -> None:
    voice = find_voice("piper:en_us-joe-MEDIUM")
    assert voice.name == "en_US-joe-medium" and voice.model == BUNDLED
    assert voice.sample_rate == 22050 and voice.language == "en-us"
    info = voice.info()
    assert info.id == "piper:en_US-joe-medium" and info.languages == ("en-us",)


@needs_bundled
def test_a_voice_in_the_voices_folder_is_listed_and_found(tmp_path: Path) -> None:
    folder = voices_folder()
    assert folder is not None
    add_voice(folder, "en_GB-test-low")
    names = [voice.name for voice in installed_voices()]
    assert names == ["en_US-joe-medium", "en_GB-test-low"]
    assert find_voice("piper:en_GB-test-low").model == folder / "en_GB-test-low.onnx"


@needs_bundled
def test_a_path_finds_a_voice_anywhere(tmp_path: Path) -> None:
    model = add_voice(tmp_path / "elsewhere", "mine")
    assert find_voice(f"piper:{model}").model == model
    assert find_voice("piper:" + str(model).replace(str(tmp_path), str(tmp_path) + "/.")).model \
        == model


@needs_bundled
def test_a_relative_path_starts_from_the_folder_given(tmp_path: Path) -> None:
    model = add_voice(tmp_path / "script" / "voices", "mine")
    assert find_voice("piper:voices/mine.onnx", tmp_path / "script").model == model
    with pytest.raises(UnknownVoiceError):
        find_voice("piper:voices/mine.onnx", tmp_path)


@needs_bundled
def test_an_unknown_name_names_the_installed_voices_and_how_to_add_one() -> None:
    with pytest.raises(UnknownVoiceError) as raised:
        find_voice("piper:en_US-nobody-medium")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(
        'no Piper voice "en_US-nobody-medium"; installed: piper:en_US-joe-medium; '
        "to add one, put NAME.onnx and NAME.onnx.json"
    )
    assert str(voices_folder()) in message and "piper.download_voices" in message


def test_a_missing_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(UnknownVoiceError, match=r'^no Piper voice file ".*/none\.onnx": to add'):
        find_voice(f"piper:{tmp_path}/none.onnx")


@needs_bundled
def test_a_model_without_settings_or_with_bad_ones_is_one_line(tmp_path: Path) -> None:
    model = add_voice(tmp_path, "broken")
    settings = tmp_path / "broken.onnx.json"
    settings.unlink()
    with pytest.raises(BadVoiceFileError, match=r"has no settings file \"broken\.onnx\.json\""):
        find_voice(f"piper:{model}")
    for bad in ("{", "[]", '{"audio": {}}', '{"audio": {"sample_rate": 3}, "espeak": {}}'):
        settings.write_text(bad)
        with pytest.raises(BadVoiceFileError, match=r"cannot be read .*; download the voice") as e:
            find_voice(f"piper:{model}")
        assert "\n" not in str(e.value)
    # a voice that cannot be read is left out of the list, not fatal to it
    folder = voices_folder()
    assert folder is not None
    folder.mkdir(parents=True)
    shutil.copy(model, folder / "broken.onnx")
    assert [voice.name for voice in installed_voices()] == ["en_US-joe-medium"]


@needs_bundled
def test_the_cache_key_changes_when_a_voice_file_changes(tmp_path: Path) -> None:
    model = add_voice(tmp_path, "mine")
    first = PiperEngine(find_voice(f"piper:{model}")).key
    assert PiperEngine(find_voice(f"piper:{model}")).key == first
    model.write_bytes(b"another model, of another length")
    assert PiperEngine(find_voice(f"piper:{model}")).key != first


@needs_bundled
def test_length_scale_turns_words_a_minute_into_piper_s_pace() -> None:
    voice = find_voice("piper:en_US-joe-medium")
    assert length_scale(voice, round(CALIBRATED_WPM)) == pytest.approx(1.0, abs=0.01)
    assert length_scale(voice, 120) > length_scale(voice, 150) > length_scale(voice, 200)
    assert length_scale(voice, 150) * 150 == pytest.approx(length_scale(voice, 200) * 200)


def test_texts_are_shared_out_in_order_about_evenly() -> None:
    texts = ["a" * 200, "b", "c" * 50, "d" * 50, "e" * 90, "f"]
    shares = share_out(texts, 2)
    assert sorted(i for share in shares for i in share) == list(range(len(texts)))
    assert all(share == sorted(share) for share in shares)
    loads = [sum(len(texts[i]) + 20 for i in share) for share in shares]
    assert max(loads) - min(loads) <= 220
    assert share_out(texts[:1], 4) == [[0]]  # no worker without work


def test_every_core_is_used_by_a_worker_of_one_thread_as_memory_allows() -> None:
    assert default_layout(8) == (8, 1)
    assert default_layout(1) == (1, 1)
    assert default_layout(8, 64 << 30) == (8, 1)
    assert default_layout(64, 4 << 30) == (4 * 1024 // 300, 1)
    assert default_layout(8, 0) == (1, 1)  # one worker, however short the memory


@needs_bundled
def test_the_thread_count_is_part_of_the_cache_key() -> None:
    voice = find_voice("piper:en_US-joe-medium")
    assert PiperEngine(voice, workers=1).key == PiperEngine(voice, workers=4).key
    assert PiperEngine(voice, threads=1).key != PiperEngine(voice, threads=2).key
