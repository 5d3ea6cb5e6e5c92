"""Shell completion: routine names and .toml files for SCRIPT, voices for --voice, moves for --from.

The fast tests ask click's completion in-process. The slow ones type into real shells with the
README's lines loaded: bash and zsh on a pseudo-terminal, where Tab goes through readline and
ZLE and the completed line is then printed word by word; fish through `complete --do-complete`.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.shell_completion import ZshComplete, get_completion_class

from voiceguide.cli.main import cli
from voiceguide.resources import bundled_scripts
from voiceguide.script.reader import load_routine
from voiceguide.speech.bank import FakeEngine

BIN = Path(sys.executable).parent
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def values(args: list[str], incomplete: str) -> list[tuple[str, str]]:
    """(type, value) of what click offers after `voiceguide ARGS`, for `incomplete`."""
    complete = ZshComplete(cli, {}, "voiceguide", "_VOICEGUIDE_COMPLETE")
    return [(item.type, item.value) for item in complete.get_completions(args, incomplete)]


def plain(args: list[str], incomplete: str) -> list[str]:
    return [value for kind, value in values(args, incomplete) if kind == "plain"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with scripts, other files, folders and a hidden script."""
    (tmp_path / "morning.toml").write_text("")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / ".draft.toml").write_text("")
    (tmp_path / "my routines").mkdir()
    (tmp_path / "my routines" / "knee.toml").write_text("")
    (tmp_path / "my routines" / "knee.txt").write_text("")
    (tmp_path / "hip-mobility.toml.bak").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_script_offers_bundled_names_then_toml_files_and_folders(folder: Path) -> None:
    for command in ("check", "plan", "export", "play"):
        offered = values([command], "")
        assert offered == [
            ("plain", "hip-mobility"), ("plain", "hip-mobility-de"), ("plain", "seven-minute"),
            ("plain", "tabata"), ("plain", "morning.toml"), ("dir", ""),
        ], command
    assert plain(["plan"], "hi") == ["hip-mobility", "hip-mobility-de"]
    assert plain(["plan"], "mo") == ["morning.toml"]
    assert values(["plan"], "my") == [("dir", "my")]
    assert plain(["plan"], "my routines/") == ["my routines/knee.toml"]
    assert plain(["plan"], ".") == [".draft.toml"]
    assert values(["plan"], "nothing-here") == []
    assert values(["plan"], "no-such-folder/x") == []


def test_bundled_names_carry_their_titles(folder: Path) -> None:
    complete = ZshComplete(cli, {}, "voiceguide", "_VOICEGUIDE_COMPLETE")
    (item,) = complete.get_completions(["plan"], "tab")
    title = load_routine(bundled_scripts()["tabata"]).title
    assert (item.value, item.help) == ("tabata", title)


def test_from_offers_the_moves_of_the_script_before_it(folder: Path) -> None:
    numbered = values(["play", "hip-mobility", "--from"], "")
    assert [value for _, value in numbered] == [
        "1", "2", "3", "4", "Side-lying clamshell", "Glute bridge",
        "Standing banded fire hydrant", "Wall lunge with foam roller",
    ]
    assert plain(["play", "hip-mobility", "--from"], "gl") == ["Glute bridge"]
    assert plain(["play", "hip-mobility", "--from"], "ST") == ["Standing banded fire hydrant"]
    assert plain(["play", "--quiet", "hip-mobility", "--rate", "150", "--from"], "4") == ["4"]
    # a script given by its file, and a script that does not load: nothing to offer
    (folder / "morning.toml").write_text(
        'format = "voiceguide/1"\ntitle = "Morning"\n\n[[move]]\nname = "Cat cow"\nwork = 30\n'
    )
    assert plain(["play", "morning.toml", "--from"], "") == ["1", "Cat cow"]
    assert plain(["play", "my routines/knee.toml", "--from"], "") == []
    assert plain(["play", "--from"], "") == []


def test_voice_offers_language_codes_and_ids_once_a_slash_is_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("voiceguide.speech.bank.default_engine", FakeEngine)
    codes = {voice.languages[0] for voice in FakeEngine().voices()}
    offered = plain(["plan", "tabata", "--voice"], "")
    assert set(offered) == codes and offered == sorted(offered)
    assert all("/" not in value for value in offered)
    first = FakeEngine().voices()[0]
    prefix = first.id[: first.id.index("/") + 1]
    assert first.id in plain(["check", "tabata", "--voice"], prefix)


def test_bash_is_registered_to_fall_back_to_file_names() -> None:
    bash = get_completion_class("bash")
    assert bash is not None
    complete = bash(cli, {}, "voiceguide", "_VOICEGUIDE_COMPLETE")
    assert "complete -o default -o filenames -o nosort -F _voiceguide_completion voiceguide" in (
        complete.source()
    )


def test_completing_imports_no_audio_library(folder: Path) -> None:
    code = (
        "import os, sys\n"
        "from voiceguide.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('numpy', 'pyttsx3', 'simpleaudio', 'soxr') if m in sys.modules],"
        " file=sys.stderr)\n"
    )
    for words, loaded in (
        ("voiceguide plan hi", "[]"),
        ("voiceguide play hip-mobility --from ", "[]"),
        # the speech engine's module needs numpy; the engine itself runs in a child process
        ("voiceguide plan tabata --voice de", "['numpy']"),
    ):
        env = {**os.environ, "_VOICEGUIDE_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=env, timeout=60)
        assert result.stdout.strip(), words
        assert result.stderr.strip().splitlines()[-1] == loaded, (words, result.stderr)


# --- real shells ---------------------------------------------------------------------------------

def readme_line(shell: str) -> str:
    (line,) = re.findall(rf"```{shell}\n(.*?)\n```", README)
    return line


class Terminal:
    """An interactive shell on a pseudo-terminal, typed into key by key."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        import pty

        self._main, side = pty.openpty()
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
               "HOME": str(cwd), "TERM": "xterm", "PS1": "$ ", "PROMPT": "$ "}
        self._process = subprocess.Popen(argv, stdin=side, stdout=side, stderr=side, cwd=cwd,
                                         env=env, start_new_session=True)
        os.close(side)
        self._seen = b""

    def type(self, keys: str) -> None:
        os.write(self._main, keys.encode())

    def words_after_tab(self, line: str) -> list[str]:
        """Type `line`, press Tab once, then print the completed line's words."""
        # Ctrl-A and Ctrl-E go to the start and the end of the line: the completed command
        # becomes printf's arguments, and a "|" ends them
        self.type(line + "\t" + "\x01printf '<%s>' \x05; printf '|\\n'\r")
        printed = self._wait_for(re.compile(rb"((?:<[^<>\r\n]*>)+)\|"))
        return re.findall(r"<([^<>]*)>", printed)

    def _wait_for(self, pattern: re.Pattern[bytes]) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = pattern.search(self._seen)
            if found and found.group(1).startswith(b"<voiceguide>"):
                self._seen = self._seen[found.end():]
                return found.group(1).decode()
            if found:  # an echo of the typed line, not printf's output
                self._seen = self._seen[found.end():]
                continue
            ready, _, _ = select.select([self._main], [], [], 1)
            if ready:
                try:
                    self._seen += os.read(self._main, 65536)
                except OSError:
                    break
        raise AssertionError(f"no completed line; the terminal shows {self._seen[-2000:]!r}")

    def close(self) -> None:
        self._process.kill()
        self._process.wait()
        os.close(self._main)


CASES = [
    # typed, the words of the completed line
    ("voiceguide plan seven", ["voiceguide", "plan", "seven-minute"]),
    ("voiceguide check morn", ["voiceguide", "check", "morning.toml"]),
    # into a folder with a space in its name, then to the script in it
    ("voiceguide plan my\tkn", ["voiceguide", "plan", "my routines/knee.toml"]),
    ("voiceguide plan my\\ routines/", ["voiceguide", "plan", "my routines/knee.toml"]),
    ("voiceguide play hip-mobility --from gl",
     ["voiceguide", "play", "hip-mobility", "--from", "Glute bridge"]),
    ("voiceguide play hip-mobility --from 3",
     ["voiceguide", "play", "hip-mobility", "--from", "3"]),
    ("voiceguide plan tabata --voice en-gb-sc",
     ["voiceguide", "plan", "tabata", "--voice", "en-gb-scotland"]),
]


@pytest.mark.slow
@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_tab_completes_in_a_real_shell(shell: str, folder: Path) -> None:
    if shell == "bash":
        argv = ["bash", "--norc", "--noprofile", "-i"]
        load = readme_line("bash")
    else:
        argv = ["zsh", "-f", "-i"]
        load = f"autoload -Uz compinit && compinit -u; {readme_line('zsh')}"
    terminal = Terminal(argv, folder)
    try:
        terminal.type(load + "\r")
        cases = list(CASES)
        if shell == "bash":
            # voiceguide offers nothing for "not", so bash completes the file name itself
            cases.append(("voiceguide plan not", ["voiceguide", "plan", "notes.txt"]))
            # (zsh drops the folder's "/" when the line is taken as it is)
            cases.append(("voiceguide plan my", ["voiceguide", "plan", "my routines/"]))
        for typed, expected in cases:
            assert terminal.words_after_tab(typed) == expected, (shell, typed)
    finally:
        terminal.close()


@pytest.mark.slow
def test_fish_completes_with_the_readme_line(folder: Path) -> None:
    line = readme_line("fish")

    def complete(typed: str) -> list[str]:
        result = subprocess.run(
            ["fish", "--no-config", "-c", f"{line}; complete --do-complete '{typed}'"],
            capture_output=True, text=True, timeout=120, cwd=folder,
            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
                 "HOME": str(folder)},
        )
        assert result.returncode == 0, result.stderr
        return [entry.split("\t")[0] for entry in result.stdout.splitlines()]

    assert complete("voiceguide plan seven") == ["seven-minute"]
    assert complete("voiceguide plan hip") == ["hip-mobility", "hip-mobility-de"]
    assert complete("voiceguide check morn") == ["morning.toml"]
    assert complete("voiceguide plan my") == ["my routines/"]
    assert complete("voiceguide plan my\\ routines/") == ["my routines/knee.toml"]
    assert complete("voiceguide play hip-mobility --from gl") == ["Glute bridge"]
    assert complete("voiceguide play hip-mobility --from 3") == ["3"]
    assert "en-gb-scotland" in complete("voiceguide plan tabata --voice en-gb")
