"""The cover image of an exported session: the title on a coloured square, as a PNG.

Lock screens and library views show a file's attached picture; without one a phone shows a
blank note. The picture is 600 x 600 (what phones show, small enough to leave the file's size
alone), drawn with Pillow: it measures text in a TrueType font, so a long title wraps and
shrinks to fit. The font is DejaVu Sans Bold (tools/setup.sh installs fonts-dejavu-core), with
Pillow's own bundled font where it is missing. The same title in the same font gives the same
bytes: the colour comes from a hash of the title, not from chance, and the PNG has no date.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont, ImageFont

SIZE = 600
_MARGIN = 48
_LINES = 5  # at most; a longer title ends with "..."
_FONT_SIZES = (72, 64, 56, 48, 42, 36, 32)
_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),  # Fedora
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),  # Arch
)
# dark backgrounds that white text reads well on; the title picks one
_COLOURS = ((0x1F, 0x4E, 0x79), (0x2E, 0x6B, 0x4F), (0x7A, 0x2E, 0x4A), (0x5B, 0x3A, 0x82),
            (0x8A, 0x4B, 0x14), (0x24, 0x5E, 0x6B), (0x44, 0x44, 0x52), (0x6B, 0x2B, 0x2B))
_BRAND = "voiceguide"


def cover_png(title: str) -> bytes:
    """A 600 x 600 PNG showing `title`, the same bytes for the same title and font."""
    from PIL import Image, ImageDraw

    digest = hashlib.sha256(title.encode("utf-8")).digest()
    background = _COLOURS[digest[0] % len(_COLOURS)]
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    # a lighter band at the foot, with the program's name, as a label on a tape
    draw.rectangle((0, SIZE - 84, SIZE, SIZE), fill=tuple(min(255, c + 40) for c in background))
    brand = _font(28)
    width = draw.textlength(_BRAND, font=brand)
    draw.text(((SIZE - width) / 2, SIZE - 60), _BRAND, font=brand, fill=(255, 255, 255))
    font, lines = _fit(draw, " ".join(title.split()) or "voiceguide")
    spacing = font.size // 4 if hasattr(font, "size") else 8
    height = sum(_line_height(draw, font) for _ in lines) + spacing * (len(lines) - 1)
    top = (SIZE - 84 - height) / 2
    for line in lines:
        width = draw.textlength(line, font=font)
        draw.text(((SIZE - width) / 2, top), line, font=font, fill=(255, 255, 255))
        top += _line_height(draw, font) + spacing
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _fit(draw: object, title: str) -> tuple[FreeTypeFont | ImageFont, list[str]]:
    """The largest font in which the title wraps into at most _LINES lines."""
    from PIL import ImageDraw

    assert isinstance(draw, ImageDraw.ImageDraw)
    room = SIZE - 2 * _MARGIN
    for size in _FONT_SIZES:
        font = _font(size)
        lines = _wrap(draw, title, font, room)
        if len(lines) <= _LINES:
            return font, lines
    font = _font(_FONT_SIZES[-1])
    lines = _wrap(draw, title, font, room)[:_LINES]
    last = lines[-1]
    while last and draw.textlength(last + "...", font=font) > room:
        last = last[:-1]
    lines[-1] = last.rstrip() + "..."
    return font, lines


def _wrap(draw: object, text: str, font: FreeTypeFont | ImageFont, room: int) -> list[str]:
    """Words into lines no wider than `room`; a word wider than that is cut where it must."""
    from PIL import ImageDraw

    assert isinstance(draw, ImageDraw.ImageDraw)
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if draw.textlength(candidate, font=font) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while draw.textlength(line, font=font) > room and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and draw.textlength(line[:cut], font=font) > room:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def _line_height(draw: object, font: FreeTypeFont | ImageFont) -> int:
    from PIL import ImageDraw

    assert isinstance(draw, ImageDraw.ImageDraw)
    box = draw.textbbox((0, 0), "Ag", font=font)
    return int(box[3] - box[1])


def _font(size: int) -> FreeTypeFont | ImageFont:
    from PIL import ImageFont

    for path in _FONTS:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)  # Pillow's own font (Latin only)
