"""Promotional "stills" for the demo, drawn with Pillow instead of downloaded.

Each scene is a few flat shapes over a gradient or a starfield: enough to read
as a ship, a bridge or a panel on a news page, cheap enough to draw a dozen in
well under a second. Drawing works in fractions of the canvas, so one scene
renders at hero size (1200x675) or gallery size (800x450).
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

HERO_SIZE = (1200, 675)
GALLERY_SIZE = (800, 450)
JPEG_QUALITY = 82

Color = tuple[int, int, int]
Canvas = Image.Image
Scene = Callable[[random.Random, tuple[int, int]], Canvas]

HULL: Color = (46, 52, 66)
HULL_EDGE: Color = (120, 132, 156)
AMBER: Color = (255, 176, 64)
SILHOUETTE: Color = (14, 16, 24)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: no dependency on what fonts the machine has.
    return ImageFont.load_default(size=size)


def _gradient(size: tuple[int, int], top: Color, bottom: Color) -> Canvas:
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _stars(
    rng: random.Random, canvas: Canvas, count: int, box: tuple[float, ...] | None = None
) -> None:
    draw = ImageDraw.Draw(canvas)
    x0, y0, x1, y1 = box or (0, 0, canvas.width, canvas.height)
    for _ in range(count):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        shade = rng.randint(120, 255)
        tint = (shade, shade, min(255, shade + rng.randint(0, 30)))
        if rng.random() < 0.06:
            r = rng.uniform(1.2, 2.2)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=tint)
        else:
            draw.point((x, y), fill=tint)


def _nebula(rng: random.Random, size: tuple[int, int], colors: list[Color]) -> Canvas:
    # Blobs drawn at 1/8 scale and blown up: soft clouds without a costly big blur.
    w, h = size[0] // 8, size[1] // 8
    small = Image.new("RGB", (w, h), (0, 0, 0))
    draw = ImageDraw.Draw(small)
    for _ in range(14):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(w * 0.08, w * 0.3), rng.uniform(h * 0.08, h * 0.3)
        color = rng.choice(colors)
        dim = rng.uniform(0.25, 0.6)
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=tuple(int(c * dim) for c in color))
    return small.filter(ImageFilter.GaussianBlur(4)).resize(size, Image.Resampling.BICUBIC)


def _glow(
    canvas: Canvas, shapes: list[tuple[float, float, float]], color: Color, blur: int
) -> Canvas:
    """Add light: each (x, y, radius) becomes a blurred disc, screened onto the canvas."""
    light = Image.new("RGB", canvas.size, (0, 0, 0))
    draw = ImageDraw.Draw(light)
    for x, y, r in shapes:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=color)
    return ImageChops.screen(canvas, light.filter(ImageFilter.GaussianBlur(blur)))


def _space(rng: random.Random, size: tuple[int, int], colors: list[Color]) -> Canvas:
    canvas = ImageChops.add(_gradient(size, (4, 6, 16), (12, 10, 28)), _nebula(rng, size, colors))
    _stars(rng, canvas, size[0] // 2)
    return canvas


def _planet(
    canvas: Canvas, center: tuple[float, float], radius: float, lit: Color, dark: Color
) -> Canvas:
    """A sphere lit from the upper left: discs stepping from the dark to the lit colour."""
    draw = ImageDraw.Draw(canvas)
    cx, cy = center
    steps = 48
    for i in range(steps):
        t = i / steps
        r = radius * (1 - t * 0.85)
        ox, oy = -radius * 0.35 * t, -radius * 0.35 * t
        color = tuple(int(d + (lc - d) * t) for d, lc in zip(dark, lit, strict=True))
        draw.ellipse((cx + ox - r, cy + oy - r, cx + ox + r, cy + oy + r), fill=color)
    canvas = canvas.filter(ImageFilter.SMOOTH)
    return _glow(canvas, [(cx, cy, radius * 1.02)], tuple(c // 3 for c in lit), 12)


def _perihelion(canvas: Canvas, x: float, y: float, length: float) -> Canvas:
    """The show's ship: a long spine, a wedge prow, swept fins and a lantern ring."""
    draw = ImageDraw.Draw(canvas)
    u = length / 10
    spine = [
        (x, y),
        (x + 7.5 * u, y - 0.35 * u),
        (x + 10 * u, y + 0.1 * u),
        (x + 7.5 * u, y + 0.55 * u),
        (x, y + 0.5 * u),
    ]
    upper_fin = [
        (x + 1.5 * u, y),
        (x + 0.4 * u, y - 1.6 * u),
        (x + 1.2 * u, y - 1.6 * u),
        (x + 4 * u, y),
    ]
    lower_fin = [
        (x + 1.5 * u, y + 0.5 * u),
        (x + 0.2 * u, y + 2.0 * u),
        (x + 1.0 * u, y + 2.0 * u),
        (x + 4 * u, y + 0.5 * u),
    ]
    for shape in (upper_fin, lower_fin, spine):
        draw.polygon(shape, fill=HULL, outline=HULL_EDGE)
    ring = (x + 4.6 * u, y - 0.9 * u, x + 5.4 * u, y + 1.4 * u)
    draw.ellipse(ring, outline=AMBER, width=max(2, int(u * 0.12)))
    for i in range(6):
        wx = x + 6.0 * u + i * 0.45 * u
        draw.point((wx, y + 0.1 * u), fill=(230, 230, 200))
    return _glow(
        canvas,
        [(x + 5 * u, y + 0.25 * u, u * 0.9), (x - 0.1 * u, y + 0.25 * u, u * 0.3)],
        AMBER,
        14,
    )


def _choir_ship(canvas: Canvas, cx: float, cy: float, size: float) -> Canvas:
    """The antagonists' ship: a dark crescent ringed with thorns and red lights."""
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((cx - size, cy - size * 0.55, cx + size, cy + size * 0.55), fill=(20, 8, 12))
    draw.ellipse(
        (cx - size * 0.8, cy - size * 0.75, cx + size * 0.9, cy + size * 0.3), fill=(6, 4, 10)
    )
    lights = []
    for i in range(11):
        a = math.pi * (0.1 + 0.8 * i / 10)
        bx, by = cx - math.cos(a) * size, cy + math.sin(a) * size * 0.55
        tip = (cx - math.cos(a) * size * 1.35, cy + math.sin(a) * size * 0.8)
        draw.polygon([(bx - 6, by), tip, (bx + 6, by)], fill=(30, 10, 16))
        lights.append((bx, by, 4))
    return _glow(canvas, lights, (220, 40, 50), 6)


def _figure(draw: ImageDraw.ImageDraw, x: float, base: float, height: float, color: Color) -> None:
    """A standing person in silhouette: head and shoulders, the rest out of frame."""
    head = height * 0.16
    draw.ellipse(
        (x - head * 0.5, base - height, x + head * 0.5, base - height + head * 1.2), fill=color
    )
    draw.rounded_rectangle(
        (x - height * 0.2, base - height + head * 1.25, x + height * 0.2, base + height * 0.2),
        radius=int(height * 0.08),
        fill=color,
    )


def _caption_text(canvas: Canvas, lines: list[tuple[str, int, Color]], y: float) -> None:
    draw = ImageDraw.Draw(canvas)
    for text, size, color in lines:
        font = _font(size)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        draw.text(((canvas.width - (right - left)) / 2, y), text, font=font, fill=color)
        y += (bottom - top) * 1.5


def ship_nebula(rng: random.Random, size: tuple[int, int]) -> Canvas:
    w, h = size
    canvas = _space(rng, size, [(90, 40, 140), (30, 90, 160), (160, 60, 90)])
    canvas = _planet(canvas, (w * 0.82, h * 0.85), h * 0.5, (90, 140, 190), (8, 14, 30))
    return _perihelion(canvas, w * 0.18, h * 0.42, w * 0.55)


def alien_ship(rng: random.Random, size: tuple[int, int]) -> Canvas:
    w, h = size
    canvas = _space(rng, size, [(120, 20, 30), (60, 20, 70)])
    return _choir_ship(canvas, w * 0.5, h * 0.48, w * 0.3)


def beacon(rng: random.Random, size: tuple[int, int]) -> Canvas:
    """A lantern beacon gone dark: a lattice spindle with an unlit sphere on top."""
    w, h = size
    canvas = _space(rng, size, [(30, 60, 120), (40, 30, 80)])
    draw = ImageDraw.Draw(canvas)
    cx = w * 0.5
    draw.polygon([(cx - w * 0.02, h), (cx, h * 0.35), (cx + w * 0.02, h)], fill=HULL)
    for i in range(12):
        yy = h * 0.4 + i * h * 0.05
        half = w * 0.004 + i * w * 0.0016
        draw.line((cx - half * 4, yy, cx + half * 4, yy), fill=HULL_EDGE, width=2)
    r = h * 0.12
    draw.ellipse(
        (cx - r, h * 0.2 - r, cx + r, h * 0.2 + r), fill=(24, 26, 34), outline=(90, 30, 30)
    )
    return _glow(canvas, [(cx, h * 0.2, r * 1.05)], (70, 10, 14), 10)


def bridge(rng: random.Random, size: tuple[int, int]) -> Canvas:
    w, h = size
    canvas = _gradient(size, (36, 30, 26), (12, 10, 10))
    screen = (int(w * 0.18), int(h * 0.1), int(w * 0.82), int(h * 0.55))
    view = _space(rng, (screen[2] - screen[0], screen[3] - screen[1]), [(40, 80, 150)])
    canvas.paste(view, screen[:2])
    draw = ImageDraw.Draw(canvas)
    draw.rectangle(screen, outline=(90, 80, 70), width=6)
    draw.polygon([(0, h), (w * 0.25, h * 0.62), (w * 0.75, h * 0.62), (w, h)], fill=(24, 20, 18))
    lights = []
    for side in (0.05, 0.72):
        x0 = w * side
        draw.rounded_rectangle((x0, h * 0.66, x0 + w * 0.23, h * 0.8), radius=8, fill=(40, 36, 34))
        for i in range(8):
            lx, ly = x0 + w * 0.02 + i * w * 0.025, h * 0.7 + (i % 2) * h * 0.04
            color = rng.choice([AMBER, (90, 200, 220), (220, 80, 70)])
            draw.rectangle((lx, ly, lx + w * 0.012, ly + h * 0.015), fill=color)
            lights.append((lx + w * 0.006, ly + h * 0.008, w * 0.01))
    canvas = _glow(canvas, lights, (120, 90, 40), 8)
    draw = ImageDraw.Draw(canvas)
    _figure(draw, w * 0.5, h * 0.95, h * 0.5, SILHOUETTE)
    _figure(draw, w * 0.33, h * 0.98, h * 0.38, (20, 20, 26))
    return canvas


def engine_room(rng: random.Random, size: tuple[int, int]) -> Canvas:
    """A corridor in perspective, ending at a lantern core running cold (blue, not amber)."""
    w, h = size
    canvas = _gradient(size, (14, 18, 26), (6, 8, 12))
    draw = ImageDraw.Draw(canvas)
    vx, vy = w * 0.5, h * 0.45
    for i in range(9):
        t = 1 - i / 9
        x0, x1 = vx - w * 0.5 * t, vx + w * 0.5 * t
        y0, y1 = vy - h * 0.5 * t, vy + h * 0.55 * t
        draw.rectangle((x0, y0, x1, y1), outline=(40, 48, 62), width=2)
    for corner_x, corner_y in ((0, 0), (w, 0), (0, h), (w, h)):
        draw.line((corner_x, corner_y, vx, vy), fill=(34, 40, 52), width=3)
    r = h * 0.1
    draw.ellipse((vx - r, vy - r, vx + r, vy + r), fill=(120, 180, 230))
    canvas = _glow(canvas, [(vx, vy, r * 2)], (60, 110, 170), 30)
    draw = ImageDraw.Draw(canvas)
    _figure(draw, w * 0.3, h * 1.0, h * 0.55, SILHOUETTE)
    _figure(draw, w * 0.7, h * 1.0, h * 0.6, SILHOUETTE)
    return canvas


def sickbay(rng: random.Random, size: tuple[int, int]) -> Canvas:
    w, h = size
    canvas = _gradient(size, (200, 230, 232), (60, 110, 118))
    draw = ImageDraw.Draw(canvas)
    for i in range(6):
        x = w * (0.08 + i * 0.16)
        draw.rectangle((x, h * 0.08, x + w * 0.1, h * 0.5), fill=(170, 205, 210))
    draw.rounded_rectangle((w * 0.2, h * 0.62, w * 0.8, h * 0.72), radius=10, fill=(230, 240, 240))
    readout = [rng.uniform(0.15, 0.4) for _ in range(20)]
    points = [(w * (0.3 + i * 0.02), h * r) for i, r in enumerate(readout)]
    draw.line(points, fill=(40, 160, 120), width=3)
    _figure(draw, w * 0.72, h * 1.0, h * 0.6, (30, 44, 50))
    _figure(draw, w * 0.25, h * 1.02, h * 0.5, (38, 56, 62))
    return canvas


def ice_world(rng: random.Random, size: tuple[int, int]) -> Canvas:
    w, h = size
    canvas = _gradient(size, (70, 90, 140), (200, 210, 230))
    canvas = _planet(canvas, (w * 0.75, h * 0.22), h * 0.16, (240, 220, 200), (120, 110, 120))
    draw = ImageDraw.Draw(canvas)
    ridge = [(0, h)]
    x = 0.0
    while x < w:
        ridge.append((x, h * rng.uniform(0.5, 0.68)))
        x += w * rng.uniform(0.04, 0.09)
    ridge += [(w, h * 0.6), (w, h)]
    draw.polygon(ridge, fill=(150, 170, 200))
    draw.polygon([(0, h), (0, h * 0.8), (w, h * 0.74), (w, h)], fill=(225, 232, 242))
    for i in range(3):
        _figure(draw, w * (0.42 + i * 0.06), h * 0.86, h * 0.14, (40, 46, 60))
    return canvas


def lounge(rng: random.Random, size: tuple[int, int]) -> Canvas:
    w, h = size
    canvas = _gradient(size, (26, 22, 30), (10, 8, 12))
    window = (int(w * 0.08), int(h * 0.12), int(w * 0.92), int(h * 0.7))
    view = _space(rng, (window[2] - window[0], window[3] - window[1]), [(60, 50, 120)])
    view = _planet(
        view, (view.width * 0.3, view.height * 1.1), view.height * 0.7, (200, 120, 80), (20, 8, 6)
    )
    canvas.paste(view, window[:2])
    draw = ImageDraw.Draw(canvas)
    for i in range(1, 4):
        x = window[0] + (window[2] - window[0]) * i / 4
        draw.line((x, window[1], x, window[3]), fill=(30, 26, 34), width=8)
    draw.rectangle(window, outline=(30, 26, 34), width=10)
    _figure(draw, w * 0.42, h * 1.0, h * 0.55, SILHOUETTE)
    _figure(draw, w * 0.56, h * 1.0, h * 0.5, SILHOUETTE)
    return canvas


def portrait(rng: random.Random, size: tuple[int, int]) -> Canvas:
    """A single figure in a spotlight, the way casting news is usually illustrated."""
    w, h = size
    canvas = _gradient(size, (40, 34, 50), (10, 8, 14))
    canvas = _glow(canvas, [(w * 0.5, h * 0.45, h * 0.42)], (150, 120, 170), 60)
    draw = ImageDraw.Draw(canvas)
    _figure(draw, w * 0.5, h * 1.0, h * 0.8, SILHOUETTE)
    draw.text((w * 0.64, h * 0.12), "?", font=_font(int(h * 0.18)), fill=(120, 100, 140))
    _stars(rng, canvas, w // 20, (0, 0, w, h * 0.3))
    return canvas


def core_diagram(rng: random.Random, size: tuple[int, int]) -> Canvas:
    """A blueprint of a lantern core, for the explainer."""
    w, h = size
    canvas = _gradient(size, (12, 40, 80), (6, 20, 44))
    draw = ImageDraw.Draw(canvas)
    step = w // 24
    for x in range(0, w, step):
        draw.line((x, 0, x, h), fill=(30, 64, 110))
    for y in range(0, h, step):
        draw.line((0, y, w, y), fill=(30, 64, 110))
    cx, cy = w * 0.4, h * 0.5
    for i, r in enumerate((0.38, 0.3, 0.22, 0.12)):
        rr = h * r
        draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=(170, 210, 240), width=3 - i % 2)
    for angle in range(0, 360, 45):
        a = math.radians(angle + rng.uniform(-4, 4))
        draw.line(
            (cx, cy, cx + math.cos(a) * h * 0.38, cy + math.sin(a) * h * 0.38),
            fill=(110, 160, 210),
            width=1,
        )
    canvas = _glow(canvas, [(cx, cy, h * 0.08)], AMBER, 18)
    draw = ImageDraw.Draw(canvas)
    font = _font(max(14, h // 26))
    labels = ("FOCUS RING", "TUNING LATTICE", "EMBER CHAMBER", "BEACON LOCK")
    for i, label in enumerate(labels):
        y = h * (0.22 + i * 0.16)
        draw.line((cx + h * 0.2, y + h * 0.02, w * 0.68, y + h * 0.02), fill=(170, 210, 240))
        draw.text((w * 0.7, y), label, font=font, fill=(220, 236, 250))
    return canvas


def stage(rng: random.Random, size: tuple[int, int]) -> Canvas:
    """A convention panel: spotlights, a long table, a row of guests."""
    w, h = size
    canvas = Image.new("RGBA", size, (10, 8, 16, 255))
    beams = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(beams)
    for i in range(5):
        x = w * (0.1 + i * 0.2)
        spread = w * 0.09
        draw.polygon(
            [(x - 6, 0), (x + 6, 0), (x + spread, h * 0.8), (x - spread, h * 0.8)],
            fill=(255, 230, 180, 46),
        )
    canvas = Image.alpha_composite(canvas, beams.filter(ImageFilter.GaussianBlur(6))).convert("RGB")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((w * 0.15, h * 0.05, w * 0.85, h * 0.2), fill=(60, 24, 70))
    _caption_text(canvas, [("BEACONFEST", int(h * 0.09), AMBER)], h * 0.065)
    for i in range(5):
        _figure(draw, w * (0.18 + i * 0.16), h * 0.72, h * rng.uniform(0.3, 0.34), SILHOUETTE)
    draw.rectangle((w * 0.08, h * 0.68, w * 0.92, h * 0.8), fill=(40, 30, 46))
    draw.rectangle((0, h * 0.8, w, h), fill=(6, 6, 10))
    return canvas


def title_card(rng: random.Random, size: tuple[int, int]) -> Canvas:
    w, h = size
    canvas = _space(rng, size, [(40, 60, 130), (110, 60, 40)])
    canvas = _planet(canvas, (w * 0.5, h * 1.35), h * 0.85, (230, 160, 90), (20, 10, 6))
    _caption_text(
        canvas,
        [
            ("LANTERNFALL", int(h * 0.11), (240, 236, 220)),
            ("MERIDIAN · SEASON THREE", int(h * 0.05), AMBER),
        ],
        h * 0.25,
    )
    return canvas


SCENES: dict[str, Scene] = {
    "ship_nebula": ship_nebula,
    "alien_ship": alien_ship,
    "beacon": beacon,
    "bridge": bridge,
    "engine_room": engine_room,
    "sickbay": sickbay,
    "ice_world": ice_world,
    "lounge": lounge,
    "portrait": portrait,
    "core_diagram": core_diagram,
    "stage": stage,
    "title_card": title_card,
}


def render_jpeg(scene: str, *, rng: random.Random, size: tuple[int, int]) -> bytes:
    """Draw one scene and encode it as a JPEG ready for an ImageField."""
    canvas = SCENES[scene](rng, size).convert("RGB")
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
