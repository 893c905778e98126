"""PRD-04: at least N main images, on a white background, without watermark, at least the minimum size.

The count is of distinct images: the same URL listed five times is one
picture, and a listing padded that way is what the rule exists to prevent.
White background, watermark and size are judged where the record states them
(a flag that is absent is not a finding: the record may simply not know). With
``inspect`` configured and Pillow installed, local images (``file:`` URLs or
paths under ``inspect.base_dir``) are measured instead: the real size replaces
the stated one, a stated size that differs is reported (``:size_mismatch``),
and the border decides the white background. Every per-image finding says
``inspected: true/false``, so a reader knows whether a flag was trusted.

Outcomes: the rule's own message for too few images; ``:background``,
``:watermark``, ``:size``, ``:size_mismatch`` (warning) and ``:uninspectable``
(warning: a local image that could not be measured; its flags are still judged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..results import Text
from ..rulebook import outcome_suffix
from . import imaging
from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit, register
from .fields import MISSING, field_paths
from .outcomes import Outcomes

FIELDS = {"images": "main_images", "url": "url", "width": "width", "height": "height",
          "white_background": "white_background", "watermark": "watermark"}

OUTCOMES = {
    "background": (None, Text("第 {number} 张主图（{url}）不是白底", "main image {number} ({url}) has no white background")),
    "watermark": (None, Text("第 {number} 张主图（{url}）带水印", "main image {number} ({url}) carries a watermark")),
    "size": (None, Text("第 {number} 张主图（{url}）尺寸 {width}×{height}，小于要求的 {min_width}×{min_height}",
                        "main image {number} ({url}) is {width}×{height}, smaller than the required {min_width}×{min_height}")),
    "size_mismatch": ("warning", Text("第 {number} 张主图（{url}）记录的尺寸 {stated_width}×{stated_height} 与实际 {width}×{height} 不符",
                                      "main image {number} ({url}) is stated as {stated_width}×{stated_height} but is "
                                      "{width}×{height}")),
    "uninspectable": ("warning", Text("第 {number} 张主图（{url}）无法检测：{reason}；已按记录中的标注判断",
                                      "main image {number} ({url}) could not be inspected: {reason}; its flags were trusted")),
}


_NOT_MEASURED: tuple[None, str, bool] = (None, "inspection not configured", False)  # what _measure says without limits


@register
class MainImagesCheck(CheckType):
    name = "main_images"

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        super().__init__(params, env)
        self.min_count = int(params.get("min_count", 5))
        self.white = bool(params.get("white_background", True))
        self.no_watermark = bool(params.get("no_watermark", True))
        self.min_w, self.min_h = params.get("min_width"), params.get("min_height")
        self.f = field_paths(params.get("fields"), FIELDS, "/fields")
        self.f["images"].lint(env, "/fields/images")
        self.limits = None
        if params.get("inspect") is not None:
            spec = params["inspect"]
            base = Path(spec["base_dir"]).expanduser()
            if not base.is_dir():
                raise CheckConfigError(f"inspect.base_dir {str(base)!r} is not a directory", "/inspect/base_dir")
            kw = {k: spec[k] for k in ("max_bytes", "max_pixels", "border", "white_level", "white_share") if k in spec}
            self.limits = imaging.Limits(base.resolve(), **kw)
        self.outcomes = Outcomes(params, OUTCOMES)
        keys = tuple(self.f[k].key for k in ("width", "height", "white_background", "watermark"))
        self._keys = keys if all(k is not None for k in keys) else None
        url = self.f["url"].key
        # one key per field and nothing measured (the usual set-up): run reads the images with plain lookups
        self._flat = (url, *keys) if self._keys is not None and url is not None and self.limits is None else None

    def _get(self, img: Mapping[str, Any], key: str) -> Any:
        v = self.f[key].value(img)
        return None if v is MISSING else v

    def _stated(self, img: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
        """(width, height, white_background, watermark) as the record states them, None where absent."""
        if self._keys is not None and type(img) is dict:  # one key each (the default fields): lookups
            kw, kh, kb, km = self._keys
            return img.get(kw), img.get(kh), img.get(kb), img.get(km)
        return self._get(img, "width"), self._get(img, "height"), self._get(img, "white_background"), self._get(img, "watermark")

    def run(self, ctx: CheckContext) -> Iterable[Hit]:
        """``()`` when every image is fine (the common answer, which the engine need not iterate), else the
        hits one by one from the first image with a finding (a listing may have thousands)."""
        ptr, images = self.f["images"].get(ctx.record)
        images = images if isinstance(images, list) else []
        fine = self._fine(images) if self._flat is not None else None
        if fine is not None:  # (the urls, and whether no image has a finding, in one pass)
            urls, clean = fine
        else:
            urls, clean = [], False
            for img in images:
                url = self._get(img, "url") if type(img) is dict or isinstance(img, Mapping) else None
                urls.append(url.strip() if isinstance(url, str) else "")
        distinct = {u for u in urls if u}
        first: tuple[Hit, ...] = ()
        if len(distinct) < self.min_count:
            seen = Counter(urls)  # not urls.count per url: quadratic on a listing padded with one url
            dupes = sorted(u for u, n in seen.items() if u and n > 1)
            first = (Hit(ptr, {"count": len(distinct), "min_count": self.min_count, "listed": len(images),
                                "duplicates": dupes, "missing": self.min_count - len(distinct)}),)
        if clean:
            return first
        for i, img in enumerate(images):
            if (type(img) is dict or isinstance(img, Mapping)) and (found := self._image(i, img, urls[i], ptr)):
                return self._from(first, found, images, urls, i, ptr)
        return first

    def _fine(self, images: list[Any]) -> tuple[list[str], bool] | None:
        """(each image's url, whether no image has a finding) read with plain lookups, as ``_image`` judges an
        image nothing measures; None for an image that is not a dict (``run`` then asks as it does in general)."""
        ku, kw, kh, kb, km = self._flat  # type: ignore[misc]  # (run asks only when there are)
        mw, mh, white, unmarked = self.min_w, self.min_h, self.white, self.no_watermark
        urls: list[str] = []
        clean = True
        for img in images:
            if type(img) is not dict:
                return None
            url = img.get(ku)
            urls.append(url.strip() if isinstance(url, str) else "")
            if clean and ((white and img.get(kb) is False) or (unmarked and img.get(km) is True)
                          or (mw is not None and isinstance(w := img.get(kw), int) and w < mw)
                          or (mh is not None and isinstance(h := img.get(kh), int) and h < mh)):
                clean = False
        return urls, clean

    def _from(self, first: tuple[Hit, ...], found: list[Hit], images: list[Any], urls: list[str], start: int,
              ptr: str) -> Iterator[Hit]:
        """``first``, image ``start``'s ``found``, then the findings of the images after it, as they come."""
        yield from first
        yield from found
        for i in range(start + 1, len(images)):
            img = images[i]
            if (type(img) is dict or isinstance(img, Mapping)) and (found := self._image(i, img, urls[i], ptr)):
                yield from found

    def _measure(self, url: str) -> tuple[imaging.Measurement | None, str | None, bool]:
        """(the measurement of a local image, else why its flags are trusted, whether measuring it failed)."""
        if self.limits is None:
            return _NOT_MEASURED
        if not imaging.AVAILABLE:
            return None, "Pillow is not installed", False
        try:
            path = imaging.local_path(url, self.limits.base_dir) if url else None
            if path is None:
                return None, "not a local file", False
            return imaging.measure(path, self.limits), None, False
        except imaging.Uninspectable as exc:
            return None, str(exc), True

    def _image(self, i: int, img: Mapping[str, Any], url: str, images: str) -> list[Hit]:
        """The image's findings, in the order uninspectable, size_mismatch, size, background, watermark;
        their common evidence and its pointer (under ``images``) are built only for an image that has one
        (most have none)."""
        measured, reason, failed = self._measure(url) if self.limits is not None else _NOT_MEASURED
        stated_w, stated_h, flag, marked = self._stated(img)
        w, h = (measured.width, measured.height) if measured else (stated_w, stated_h)
        mismatch = bool(measured) and stated_w is not None and stated_h is not None and (stated_w, stated_h) != (w, h)
        too_small = (self.min_w is not None and isinstance(w, int) and w < self.min_w) or (
            self.min_h is not None and isinstance(h, int) and h < self.min_h)
        share = None
        if self.white and measured is not None and self.limits is not None:
            share = round(measured.border_white_share, 3)
            background = share < self.limits.white_share
        else:
            background = self.white and flag is False
        watermark = self.no_watermark and marked is True
        if not (failed or mismatch or too_small or background or watermark):
            return []
        ptr = f"{images}/{i}"
        base: dict[str, Any] = {"number": i + 1, "url": url or "?", "inspected": measured is not None}
        if reason is not None:
            base["reason"] = reason
        out = []
        if failed:
            out.append(self._hit("uninspectable", f"{ptr}{self.f['url'].pointer}", base))
        if mismatch:
            out.append(self._hit("size_mismatch", ptr, {**base, "stated_width": stated_w, "stated_height": stated_h,
                                                        "width": w, "height": h}))
        if too_small:
            out.append(self._hit("size", ptr if measured else f"{ptr}{self.f['width'].pointer}",
                                 {**base, "width": w, "height": h, "min_width": self.min_w or 0, "min_height": self.min_h or 0}))
        if background and share is not None:
            out.append(self._hit("background", ptr, {**base, "stated": flag, "border_white_share": share}))
        elif background:
            out.append(self._hit("background", f"{ptr}{self.f['white_background'].pointer}", {**base, "stated": False}))
        if watermark:
            out.append(self._hit("watermark", f"{ptr}{self.f['watermark'].pointer}", base))
        return out

    def _hit(self, outcome: str, path: str, evidence: Mapping[str, Any]) -> Hit:
        return Hit(path, dict(evidence), self.outcomes.severity(outcome), self.outcomes.message(outcome), outcome_suffix(outcome))
