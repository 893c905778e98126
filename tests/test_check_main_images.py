"""main_images (PRD-04): count, white background, watermark, size; measured with Pillow where the files are local."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.checks import CheckConfigError, imaging
from sopengine.checks.main_images import MainImagesCheck

from .checkkit import env, run, said


def img(n, **kw):
    return {"url": f"https://img.example.com/{n}.jpg", "width": 800, "height": 800, "white_background": True,
            "watermark": False, **kw}


def product(images):
    return {"process": "product", "id": "SP1", "status": "listed", "main_images": images}


def check(**params) -> MainImagesCheck:
    return MainImagesCheck(params, env())


def suffixes(hits):
    return [h.suffix for h in hits]


def test_exactly_five_passes_four_fires():
    assert run(check(), product([img(i) for i in range(5)])) == []
    [hit] = run(check(), product([img(i) for i in range(4)]))
    assert hit.suffix == "" and hit.path == "/main_images"
    assert (hit.evidence["count"], hit.evidence["min_count"], hit.evidence["missing"]) == (4, 5, 1)


def test_the_same_picture_listed_twice_counts_once():
    imgs = [img(i) for i in range(4)] + [img(0)]
    [hit] = run(check(), product(imgs))
    assert hit.evidence["count"] == 4 and hit.evidence["listed"] == 5
    assert hit.evidence["duplicates"] == ["https://img.example.com/0.jpg"]


def test_no_images_at_all():
    [hit] = run(check(), {"process": "product", "id": "SP1", "status": "draft"})
    assert hit.evidence["count"] == 0


def test_flags_are_judged_where_stated():
    imgs = [img(0, white_background=False), img(1, watermark=True), img(2, width=640, height=640),
            img(3, width=None, white_background=None, watermark=None), img(4)]
    for i in imgs:
        for k in [k for k, v in i.items() if v is None]:
            del i[k]  # an absent flag is not a finding
    hits = run(check(min_width=800, min_height=800), product(imgs))
    assert [(h.suffix, h.path) for h in hits] == [(":background", "/main_images/0/white_background"),
                                                  (":watermark", "/main_images/1/watermark"),
                                                  (":size", "/main_images/2/width")]
    assert all(h.evidence["inspected"] is False and h.evidence["reason"] == "inspection not configured" for h in hits)
    assert said(hits[2]) == ("main image 3 (https://img.example.com/2.jpg) is 640×640, smaller than the required "
                             "800×800")
    assert said(hits[0], "zh") == "第 1 张主图（https://img.example.com/0.jpg）不是白底"
    assert run(check(white_background=False, no_watermark=False), product(imgs)) == []


def test_min_size_boundary():
    assert run(check(min_width=800, min_height=800), product([img(i) for i in range(5)])) == []
    [hit] = run(check(min_width=800, min_height=800), product([img(0, height=799)] + [img(i) for i in range(1, 5)]))
    assert hit.suffix == ":size"


def test_bad_params():
    with pytest.raises(CheckConfigError) as ei:
        check(inspect={"base_dir": "/nonexistent/dir"})
    assert ei.value.pointer == "/inspect/base_dir"
    with pytest.raises(CheckConfigError) as ei:
        check(fields={"images": "main_images[]"})
    assert ei.value.pointer == "/fields/images"


def test_without_pillow_the_flags_are_trusted_and_said_so(tmp_path, monkeypatch):
    monkeypatch.setattr(imaging, "AVAILABLE", False)
    c = check(inspect={"base_dir": str(tmp_path)})
    hits = run(c, product([img(0, url="a.png", white_background=False)] + [img(i) for i in range(1, 5)]))
    assert [h.suffix for h in hits] == [":background"]
    assert (hits[0].evidence["inspected"], hits[0].evidence["reason"]) == (False, "Pillow is not installed")


# -- measured with Pillow ------------------------------------------------------------


@pytest.fixture
def pil():
    return pytest.importorskip("PIL.Image")


def picture(pil, path, size=(800, 800), background=(255, 255, 255), fmt=None):
    im = pil.new("RGB", size, background)
    w, h = size
    im.paste((200, 30, 30), (w // 4, h // 4, 3 * w // 4, 3 * h // 4))  # the product in the middle
    im.save(path, fmt)
    return path


def test_measurement_replaces_the_flags(pil, tmp_path):
    picture(pil, tmp_path / "white.png")
    picture(pil, tmp_path / "grey.jpg", background=(150, 150, 150))
    picture(pil, tmp_path / "small.png", size=(640, 640))
    imgs = [img(0, url="white.png"), img(1, url="grey.jpg"), img(2, url=f"file://{tmp_path / 'small.png'}"),
            img(3, url="file:white.png", white_background=False), img(4)]
    c = check(min_width=800, min_height=800, inspect={"base_dir": str(tmp_path)})
    hits = run(c, product(imgs))
    got = [(h.suffix, h.evidence["number"]) for h in hits]
    assert got == [(":background", 2), (":size_mismatch", 3), (":size", 3)]
    grey = hits[0].evidence
    assert grey["inspected"] is True and grey["stated"] is True and grey["border_white_share"] < 0.1
    assert (hits[1].evidence["stated_width"], hits[1].evidence["width"]) == (800, 640)
    # the remote image (number 5) stays trusted; image 4 is white although the record says not
    assert not any(h.evidence["number"] in (4, 5) for h in hits)


def test_transparent_background_counts_as_white(pil, tmp_path):
    from PIL import Image

    im = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    im.paste((10, 10, 10, 255), (100, 100, 200, 200))
    im.save(tmp_path / "t.png")
    m = imaging.measure(tmp_path / "t.png", imaging.Limits(tmp_path))
    assert (m.width, m.height, m.border_white_share) == (300, 300, 1.0)


def test_hostile_files_are_not_opened(pil, tmp_path):
    base = tmp_path / "images"
    base.mkdir()
    picture(pil, tmp_path / "outside.png")
    (base / "link.png").symlink_to(tmp_path / "outside.png")
    picture(pil, base / "big.png", size=(1000, 1000))
    (base / "notes.png").write_text("not an image", "utf-8")
    (base / "page.eps").write_text("%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "utf-8")
    c = check(inspect={"base_dir": str(base), "max_pixels": 500_000})
    imgs = [img(0, url="../outside.png"), img(1, url="link.png"), img(2, url="big.png"), img(3, url="notes.png"),
            img(4, url="page.eps"), img(5, url="missing.png"), img(6, url="file://evil.example.com/x.png"),
            img(7, url=str(tmp_path / "outside.png"))]
    hits = run(c, product(imgs))
    reasons = {h.evidence["number"]: h.evidence["reason"] for h in hits}
    assert all(h.suffix == ":uninspectable" and h.severity == "warning" for h in hits)
    assert reasons[1] == reasons[2] == reasons[8] == "the path leads outside the image directory"
    assert "over the limit of 500000" in reasons[3]
    assert reasons[4].startswith("not a readable image") and reasons[5].startswith("not a readable image")
    assert reasons[6] == "no such file" and "another host" in reasons[7]
    c = check(inspect={"base_dir": str(base), "max_bytes": 100})
    [hit] = run(c, product([img(0, url="big.png")] + [img(i) for i in range(1, 5)]))
    assert "bytes is over the limit of 100" in hit.evidence["reason"]


def test_border_share_property(pil):
    """A frame of dark pixels of known width lowers the white share by what it covers, no more."""
    from PIL import Image

    @settings(max_examples=40, deadline=None)
    @given(st.integers(40, 200), st.integers(40, 200), st.integers(0, 3))
    def prop(w, h, frame):
        im = Image.new("RGB", (w, h), (255, 255, 255))
        if frame:
            im.paste((0, 0, 0), (0, 0, w, frame))  # a dark strip along the top
        share = imaging.border_white_share(im, imaging.Limits(__import__("pathlib").Path(".")))
        band = max(1, round(min(w, h) * 0.02))
        total = 2 * w * band + 2 * band * (h - 2 * band)
        dark = w * min(frame, band) + 2 * band * max(0, frame - band)  # the strip also crosses the side bands
        assert share == pytest.approx((total - dark) / total)
    prop()


def test_a_clean_listing_answers_nothing_at_once_and_findings_keep_their_order():
    """``()`` for a listing without a finding (nothing for the engine to iterate); otherwise the count first,
    then each image's findings in image order, from the first image with one to the last."""
    from .checkkit import context

    assert check().run(context(product([img(i) for i in range(5)]))) == ()
    imgs = [img(0), img(1, watermark=True), img(2), img(3, white_background=False, watermark=True)]
    hits = run(check(), product(imgs))
    assert [(h.suffix, h.path) for h in hits] == [("", "/main_images"), (":watermark", "/main_images/1/watermark"),
                                                  (":background", "/main_images/3/white_background"),
                                                  (":watermark", "/main_images/3/watermark")]


def test_the_one_pass_over_plain_images_answers_as_the_general_way():
    """Images read with plain lookups (one key per field, nothing measured) give exactly the hits of the
    general reading, image by image, whatever the images hold (absent keys, wrong types, non-objects)."""
    from .checkkit import context

    odd = st.sampled_from([None, "", " a ", "800", 1.5, 0])
    size = st.one_of(st.integers(500, 900), st.booleans(), odd)
    flag = st.one_of(st.booleans(), st.booleans(), odd)
    image = st.one_of(st.fixed_dictionaries({}, optional={"url": st.one_of(st.sampled_from(["u1", " u2", "u3 ", "u4", "u5", "u6"]),
                                                                             odd),
                                                            "width": size, "height": size, "white_background": flag,
                                                            "watermark": flag}),
                      st.sampled_from([None, "x", 3, []]))

    @settings(max_examples=500, deadline=None)
    @given(st.lists(image, max_size=5), st.integers(0, 6), st.sampled_from([None, 600, 800]),
           st.sampled_from([None, 700]), st.booleans(), st.booleans())
    def same(images, n, mw, mh, white, unmarked):
        params = {"min_count": n, "min_width": mw, "min_height": mh, "white_background": white, "no_watermark": unmarked}
        fast = check(**{k: v for k, v in params.items() if v is not None})
        general = check(**{k: v for k, v in params.items() if v is not None})
        assert fast._flat is not None
        general._flat = None
        ctx = context(product(images))
        assert list(fast.run(ctx)) == list(general.run(ctx))
    for change in ({"white_background": False}, {"watermark": True}, {"width": 799}, {"height": 699}, {"url": None}):
        for at in (0, 4):  # one image of five with a finding, first or last
            same.hypothesis.inner_test([img(i, **change) if i == at else img(i) for i in range(5)], 5, 800, 700, True, True)
    same()
