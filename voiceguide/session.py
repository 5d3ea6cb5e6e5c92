"""A session: a routine made ready to hear, with its timeline and its sounds.

`load` and `loads` are where every command starts, so `plan`, `export` and `play` always agree:
the routine is read and checked, every spoken phrase is synthesized (or taken from the cache)
and measured, and the sequencer lays the session out at exact frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceguide.errors import ScriptError, UnknownVoiceError
from voiceguide.resources import bundled_scripts, closest_script_name, find_script

if TYPE_CHECKING:
    from collections.abc import Callable

    from voiceguide.live.keys import KeySource
    from voiceguide.live.player import PlayResult
    from voiceguide.live.remote import Remote
    from voiceguide.live.sinks import Sink
    from voiceguide.live.status import StatusView
    from voiceguide.render import ClipSource
    from voiceguide.script.model import Routine
    from voiceguide.speech.bank import SpeechEngine
    from voiceguide.speech.cache import ClipCache
    from voiceguide.timeline import Timeline

DEFAULT_SAMPLE_RATE = 22050
SAMPLE_RATES = (22050, 44100, 48000)
# speech rate in words per minute: the range the engines speak intelligibly
WPM_RANGE = (80, 400)
# loudness in LUFS (ITU-R BS.1770): louder than -14 the limiter would squash the voice, and an
# .m4a would peak over -1 dBTP
LOUDNESS_RANGE = (-30.0, -14.0)

@dataclass(frozen=True)
class Session:
    """A routine ready to plan, export or play. Make one with `load` or `loads`.

    Example:
        >>> import voiceguide
        >>> session = voiceguide.load("hip-mobility")
        >>> session.title
        'Hip mobility for runners'
        >>> session.export("hip.m4a")            # doctest: +SKIP
        PosixPath('hip.m4a')
    """

    routine: Routine
    timeline: Timeline
    clips: ClipSource
    source: str  # the script as the user named it: a bundled name or a path

    @property
    def title(self) -> str:
        """The routine's title, as the intro says it."""
        return self.timeline.title

    @property
    def seconds(self) -> float:
        """The session's length in seconds, from the first frame to the last."""
        return self.timeline.seconds(self.timeline.duration)

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line each: rests that grew to fit their announcement, speech that was dropped.

        Example:
            >>> voiceguide.load("hip-mobility").warnings
            ()
        """
        return self.timeline.warnings

    def plan(self) -> dict[str, Any]:
        """Every sound and phase with its time in seconds: exactly what `plan --json` prints.

        Example:
            >>> plan = voiceguide.load("tabata").plan()
            >>> plan["events"][0]["text"]
            'Tabata intervals'
        """
        from voiceguide.output.plan_text import plan_dict

        return plan_dict(self.timeline)

    def plan_table(self) -> str:
        """The plan as the table `voiceguide plan` prints: one line per sound.

        Example:
            >>> print(voiceguide.load("tabata").plan_table().splitlines()[0])
            Tabata intervals: about 4 minutes (4:19), voice default, 150 words per minute
        """
        from voiceguide.output.plan_text import plan_table

        return plan_table(self.timeline)

    def export(
        self,
        destination: str | os.PathLike[str],
        *,
        split: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> Path:
        """Write the session to a .wav, .m4a, .m4b or .mp3 file (the extension picks); returns
        its path.

        The file is the session heard live, sample for sample, with a chapter or marker per
        move; m4a, m4b and mp3 carry library tags (the script's `author` as artist) and a cover.
        With `split` (.m4a or .mp3), one file per move and a .m3u8 playlist are written beside
        `destination` instead, and the playlist's path is returned (an earlier set's tracks
        that the new one has not are then removed). It is written atomically: an export that
        fails leaves earlier files untouched. `progress(done, total)` is called
        as it goes, in frames.

        Example:
            >>> voiceguide.load("hip-mobility").export("hip.m4a")   # doctest: +SKIP
            PosixPath('hip.m4a')
            >>> voiceguide.load("hip-mobility").export("hip.mp3", split=True)   # doctest: +SKIP
            PosixPath('hip.m3u8')
        """
        from voiceguide.output.export import export_session

        # as given: a trailing "/" is refused, not dropped
        return export_session(self.timeline, self.clips, destination, author=self.routine.author,
                              split=split, progress=progress)

    def write_sheet(self, destination: str | os.PathLike[str]) -> Path:
        """Write the printable session sheet (one self-contained HTML page); returns its path.

        Example:
            >>> voiceguide.load("hip-mobility").write_sheet("hip.html")   # doctest: +SKIP
            PosixPath('hip.html')
        """
        from voiceguide.output.session_sheet import write_session_sheet

        return write_session_sheet(
            self.routine, self.timeline, destination, source=self.source
        )

    def start_of(self, move: str | int) -> int:
        """The frame where a move starts, by number (2, "2") or name (or a part of one).

        Raises ScriptError naming the moves when none fits.

        Example:
            >>> session = voiceguide.load("hip-mobility")
            >>> session.start_of("fire hydrant") == session.start_of(3)
            True
        """
        return self.timeline.find_move(str(move))

    def play(
        self,
        *,
        start: int = 0,
        sink: Sink | None = None,
        keys: KeySource | None = None,
        view: StatusView | None = None,
        remote: Remote | None = None,
    ) -> PlayResult:
        """Play the session live from frame `start`, following the keys; returns how it ended.

        By default it plays on the system's audio device, reads the keys from the terminal when
        there is one (space pauses, n skips, b goes back, q quits) and shows no status; see
        `voiceguide.live.play_timeline`, which this calls. `remote` adds commands from outside
        the terminal: `voiceguide.live.MprisRemote()` (Linux) lets the desktop's media keys and
        a headset's buttons do what the keys do, and quietly does nothing without a session
        bus. Raises PlaybackError when there is no working audio device.

        Example:
            >>> from voiceguide.live import MprisRemote
            >>> session = voiceguide.load("hip-mobility")
            >>> result = session.play(start=session.start_of(3))   # doctest: +SKIP
            >>> result = session.play(remote=MprisRemote())         # doctest: +SKIP
        """
        from voiceguide.live import play_timeline

        return play_timeline(
            self.timeline, self.clips, start=start, sink=sink, keys=keys, view=view, remote=remote
        )


def read_routine(script: str | os.PathLike[str]) -> Routine:
    """A routine by path (NAME for NAME.toml too), or a bundled one by name ("hip-mobility"),
    read and checked.

    No speech is made: this is the quick check of a script's format.

    Example:
        >>> routine = voiceguide.read_routine("hip-mobility")
        >>> [move.name for move in routine.moves][:2]
        ['Side-lying clamshell', 'Glute bridge']
    """
    from voiceguide.script.reader import load_routine

    given = os.fspath(script)
    path = find_script(given)
    if path is None:
        close = closest_script_name(given)
        if close is not None:
            raise ScriptError(
                f'{given}: no such file, and no bundled routine of that name; did you mean '
                f'"{close}"?'
            )
        names = ", ".join(bundled_scripts()) or "none"
        raise ScriptError(
            f'{given}: no such file, and no bundled routine of that name (bundled: {names}); '
            "see `voiceguide list`"
        )
    display = given if path.name == given or "/" in given else path.name
    return load_routine(path, display_name=display)


def load(
    script: str | os.PathLike[str],
    *,
    voice: str | None = None,
    wpm: int | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    engine: SpeechEngine | None = None,
    cache: ClipCache | None = None,
    progress: Callable[[int, int], None] | None = None,
    loudness: float | None = None,
) -> Session:
    """Load a routine script by path, or a bundled routine by name, ready to plan, export, play.

    `voice` (an id, a language code or part of a name, or "piper:NAME" / "piper:PATH.onnx" for
    a Piper voice), `wpm` (words per minute) and `loudness` (LUFS, -30 to -14) override the
    script's settings, as `--voice`, `--rate` and `--loudness` do on the command line;
    `sample_rate` is one of 22050, 44100 or 48000.
    `progress(done, total)` is called after each clip the speech engine makes (never when every
    clip is cached). Raises ScriptError (a one-line message naming the file, the
    line, the move and the fix) for a bad script, UnknownVoiceError for a voice that does not
    exist, VoiceError when the speech engine fails.

    Example:
        >>> import voiceguide
        >>> session = voiceguide.load("hip-mobility", voice="en-gb", wpm=150)
        >>> f"{session.title}: {session.seconds / 60:.0f} minutes"
        'Hip mobility for runners: 15 minutes'
    """
    routine = read_routine(script)
    return _prepare(
        routine, os.fspath(script), voice, wpm, sample_rate, engine, cache, progress, loudness
    )


def loads(
    text: str,
    *,
    name: str = "routine.toml",
    folder: str | os.PathLike[str] | None = None,
    voice: str | None = None,
    wpm: int | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    engine: SpeechEngine | None = None,
    cache: ClipCache | None = None,
    progress: Callable[[int, int], None] | None = None,
    loudness: float | None = None,
) -> Session:
    """Like `load`, for a script given as text. `name` is how messages name it; sound files
    the script names are found relative to `folder` (the current folder by default).

    Example:
        >>> session = voiceguide.loads('''
        ... title = "Plank"
        ... [[move]]
        ... name = "Plank"
        ... hold = "30s"
        ... ''')
        >>> [phase["kind"] for phase in session.plan()["phases"]]
        ['intro', 'window', 'work', 'outro']
    """
    from voiceguide.script.reader import parse_routine

    where = Path(folder) if folder is not None else Path.cwd()
    routine = parse_routine(text, where / name, display_name=name)
    return _prepare(routine, name, voice, wpm, sample_rate, engine, cache, progress, loudness)


def _prepare(
    routine: Routine,
    source: str,
    voice: str | None,
    wpm: int | None,
    sample_rate: int,
    engine: SpeechEngine | None,
    cache: ClipCache | None,
    progress: Callable[[int, int], None] | None = None,
    loudness: float | None = None,
) -> Session:
    """Resolve the voice, measure every spoken text and lay out the timeline."""
    from voiceguide.audio.levels import LevelledClips
    from voiceguide.audio.sounds import Sounds
    from voiceguide.sequencer import build_timeline, spoken_texts
    from voiceguide.speech.bank import SpeechBank
    from voiceguide.speech.cache import ClipCache
    from voiceguide.speech.engines import engine_and_voice

    if sample_rate not in SAMPLE_RATES:
        raise ValueError(f"sample_rate must be one of {SAMPLE_RATES}, not {sample_rate}")
    if wpm is not None and not WPM_RANGE[0] <= wpm <= WPM_RANGE[1]:
        raise ValueError(f"wpm must be from {WPM_RANGE[0]} to {WPM_RANGE[1]}, not {wpm}")
    if loudness is not None and not LOUDNESS_RANGE[0] <= loudness <= LOUDNESS_RANGE[1]:
        raise ValueError(
            f"loudness must be from {LOUDNESS_RANGE[0]:g} to {LOUDNESS_RANGE[1]:g} LUFS, "
            f"not {loudness:g}"
        )
    settings = routine.settings
    if loudness is not None:
        settings = replace(settings, loudness=loudness)
        routine = replace(routine, settings=settings)
    if voice is not None or wpm is not None:
        settings = replace(
            settings,
            voice=voice if voice is not None else settings.voice,
            rate=wpm if wpm is not None else settings.rate,
        )
        routine = replace(routine, settings=settings)
    # a voice file named by the script is found beside it, as its sound files are
    folder = routine.path.parent if voice is None else None
    try:
        engine, voice_info = engine_and_voice(settings.voice, engine, folder)
    except UnknownVoiceError as error:
        if voice is not None:  # the caller's voice, not the script's: the script is not to blame
            raise
        raise UnknownVoiceError(f'{routine.file_label}: "settings.voice": {error}') from None
    bank = SpeechBank(engine, voice_info, settings.rate, sample_rate, cache or ClipCache())
    sounds = Sounds(settings.sounds, sample_rate)
    lengths = sounds.lengths()
    bank.prepare(spoken_texts(routine, lengths, sample_rate), progress=progress)
    timeline = build_timeline(routine, bank.frames, lengths, sample_rate, voice=bank.voice_label)
    clips = LevelledClips(bank, sounds, settings.loudness, settings.beep_volume)
    return Session(routine, timeline, clips, source)
