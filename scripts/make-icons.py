#!/usr/bin/env python3
"""Draws mlTrainer's PWA icons (public/icons/*.png) with no dependencies:
a rising payoff line ("hockey stick") on a navy tile. Run once; the PNGs are
committed. The maskable icon keeps the glyph inside the 80% safe zone."""
import math
import struct
import zlib
from pathlib import Path

NAVY = (15, 23, 42)
TEAL = (45, 212, 191)
AMBER = (251, 191, 36)


def png(path, size, pixels):
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def distance_to_segment(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def draw(size, inset):
    # Payoff of a long call: flat, then rising; plus a dashed "today" curve.
    s = size
    lo, hi = inset * s, (1 - inset) * s
    kink = (lo + (hi - lo) * 0.5, lo + (hi - lo) * 0.72)
    line = [(lo, kink[1]), kink, (hi, lo + (hi - lo) * 0.12)]
    width = s * 0.055
    pixels = []
    for y in range(s):
        row = []
        for x in range(s):
            colour = NAVY
            curve_y = kink[1] - (hi - lo) * 0.6 * math.log1p(math.exp((x - kink[0]) / (s * 0.08))) * 0.12 * 3.2
            if lo <= x <= hi and curve_y >= lo and abs(y - curve_y) < width * 0.35:
                colour = AMBER
            d = min(distance_to_segment(x, y, *line[i], *line[i + 1]) for i in range(2))
            if d < width / 2:
                colour = TEAL
            row.append(colour)
        pixels.append(row)
    return pixels


out = Path(__file__).resolve().parent.parent / "public" / "icons"
out.mkdir(parents=True, exist_ok=True)
png(out / "icon-192.png", 192, draw(192, 0.16))
png(out / "icon-512.png", 512, draw(512, 0.16))
png(out / "icon-maskable-512.png", 512, draw(512, 0.24))
