"""Measuring a main image instead of trusting the record's flags (optional: Pillow, extra ``images``).

Sellers' flags drift from their pictures: ``white_background: true`` on a
photo taken on a grey table, 800×800 stated for a 640×640 upload. Where an
image is a local file we can read, we measure the two things a machine can
measure reliably: the real pixel size, and whether the border of the picture is
near-white. A watermark cannot be detected this way, so that flag stays trusted.

Image files come from records, so they are treated as hostile: only paths
inside the configured base directory (after resolving links and ``..``), only a
few raster formats (Pillow can otherwise hand EPS files to Ghostscript), a cap
on file size, and a cap on pixels checked from the header before anything is
decoded (a 50,000 × 50,000 PNG of a few KB is a decompression bomb).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..errors import SopError

if TYPE_CHECKING:  # pragma: no cover - Pillow is the optional `images` extra, imported when a picture is read
    from PIL.Image import Image

# Optional extra sopengine[images]; imported when first needed (it costs ~20 ms at start-up).
AVAILABLE = importlib.util.find_spec("PIL") is not None
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
_SAMPLE = 256  # the border is judged on a copy at most this many pixels across: enough for a band, fast


class Uninspectable(SopError):
    """A local image that must not or cannot be measured; the message says why."""


@dataclass(frozen=True, slots=True)
class Limits:
    base_dir: Path
    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    border: float = 0.02  # share of the shorter side that makes the border band
    white_level: int = 235  # every channel at least this counts as near-white
    white_share: float = 0.9  # share of near-white border pixels that makes a white background


@dataclass(frozen=True, slots=True)
class Measurement:
    width: int
    height: int
    border_white_share: float


def local_path(url: str, base: Path) -> Path | None:
    """The file a ``file:`` URL or a plain path names, inside ``base``; None for a remote URL.

    Raises Uninspectable for a path that escapes ``base`` or a ``file:`` URL of another host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise Uninspectable(f"file URL of another host ({parts.netloc})")
        raw = unquote(parts.path)
    elif parts.scheme and len(parts.scheme) > 1:  # http:, https:, data: ... (a one-letter scheme is a drive)
        return None
    else:
        raw = unquote(url.strip())
    root = base.resolve()
    target = (root / raw.lstrip("/")) if not Path(raw).is_absolute() else Path(raw)
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError) as exc:  # symlink loops
        raise Uninspectable(f"cannot resolve the path ({exc})") from None
    if not resolved.is_relative_to(root):
        raise Uninspectable("the path leads outside the image directory")
    return resolved


def measure(path: Path, limits: Limits) -> Measurement:
    """Real size and the near-white share of the border band; raises Uninspectable."""
    if not AVAILABLE:
        raise Uninspectable("Pillow is not installed (pip install 'sopengine[images]')")
    try:
        stat = path.stat()
        size = stat.st_size
    except FileNotFoundError:
        raise Uninspectable("no such file") from None
    except OSError as exc:
        raise Uninspectable(f"cannot read the file ({exc.strerror})") from None
    if not path.is_file():
        raise Uninspectable("not a regular file")
    if size > limits.max_bytes:
        raise Uninspectable(f"file of {size} bytes is over the limit of {limits.max_bytes}")
    return _decode(path, stat.st_mtime_ns, size, limits)


@lru_cache(maxsize=512)
def _decode(path: Path, mtime_ns: int, size: int, limits: Limits) -> Measurement:
    """Cached by file identity: listings share pictures, and a batch re-reads the same files."""
    from PIL import Image

    try:
        with Image.open(path, formats=FORMATS) as im:  # reads the header only
            width, height = im.size
            if width * height > limits.max_pixels:
                raise Uninspectable(f"{width}×{height} pixels is over the limit of {limits.max_pixels}")
            im.draft("RGB", (_SAMPLE, _SAMPLE))  # JPEG: decode at a reduced scale
            sample = _on_white(im)
    except Uninspectable:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Uninspectable(f"not a readable image ({type(exc).__name__}: {exc})") from None
    return Measurement(width, height, border_white_share(sample, limits))


def _on_white(im: Image) -> Image:
    """RGB at most _SAMPLE across; transparency shown on white, as the shop page shows it."""
    from PIL import Image

    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = im.convert("RGB")
    flat.thumbnail((_SAMPLE, _SAMPLE))
    return flat


def border_white_share(rgb: Image, limits: Limits) -> float:
    """Share of pixels in the outer band whose darkest channel is at least ``white_level``."""
    from PIL import ImageChops

    r, g, b = rgb.split()
    darkest = ImageChops.darker(ImageChops.darker(r, g), b)
    level = limits.white_level
    mask = darkest.point(lambda v: 255 if v >= level else 0)
    w, h = mask.size
    band = max(1, round(min(w, h) * limits.border))
    if 2 * band >= min(w, h):
        boxes = [(0, 0, w, h)]
    else:
        boxes = [(0, 0, w, band), (0, h - band, w, h), (0, band, band, h - band), (w - band, band, w, h - band)]
    white = total = 0
    for box in boxes:
        hist = mask.crop(box).histogram()
        white += hist[255]
        total += (box[2] - box[0]) * (box[3] - box[1])
    return white / total if total else 0.0
