"""The page a phone opens from the QR code: the title, the length, a player, the download and
the session sheet. No script, no outside resource: links are relative to the page's own URL."""

from __future__ import annotations

from html import escape

from voiceguide.units import about_length

DOWNLOAD_FOLDER = "download"  # the audio under download/NAME is sent as an attachment

_CSS = """
body { font: 18px/1.5 system-ui, "DejaVu Sans", Arial, sans-serif; color: #1b1b1b;
       margin: 0 auto; padding: 24px 20px; max-width: 640px; background: #fff; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 4px; }
.length { color: #5b5b5b; margin: 0 0 20px; }
audio { width: 100%; margin: 0 0 24px; }
a.button { display: block; text-align: center; padding: 14px; margin: 0 0 14px;
           border-radius: 10px; background: #1d3557; color: #fff; text-decoration: none; }
a.button.second { background: #e9eef5; color: #1d3557; }
"""


def share_page_html(
    title: str, seconds: float, audio_name: str, audio_type: str, audio_bytes: int,
    sheet_name: str,
) -> str:
    """The whole page as one string; `audio_name` and `sheet_name` are served beside it."""
    heading = escape(title)
    length = about_length(seconds)  # as `list`, `check`, the sheet and the voice round it
    audio = escape(audio_name, quote=True)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{heading}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{heading}</h1>",
        f'<p class="length">{length.capitalize()}</p>',
        f'<audio controls preload="metadata"><source src="{audio}" '
        f'type="{escape(audio_type, quote=True)}"></audio>',
        f'<a class="button" id="download" href="{DOWNLOAD_FOLDER}/{audio}" download="{audio}">'
        f"Download {audio} ({_megabytes(audio_bytes)})</a>",
        f'<a class="button second" id="sheet" href="{escape(sheet_name, quote=True)}">'
        "Session sheet</a>",
        "</body>",
        "</html>",
        "",
    ])


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}&nbsp;MB"  # the number and its unit on one line
