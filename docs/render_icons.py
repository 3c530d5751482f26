"""Draw the add-in's default icons (addin/server/branding/icon-*.png): three bars in the status
colours on a dark blue tile. Run with the project's venv: `.venv/bin/python docs/render_icons.py`.
A council replaces them with its own through KPI_BRANDING_DIR (README, "Council IT")."""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "addin" / "server" / "branding"
TILE, BARS = (31, 56, 100), [(192, 0, 0), (255, 192, 0), (0, 128, 64)]  # red, amber, green
HEIGHTS = (0.35, 0.6, 0.85)


def icon(size: int) -> Image.Image:
    scale = 4  # drawn large, then scaled down for smooth edges
    side = size * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, side - 1, side - 1], radius=side // 6, fill=TILE)
    margin, gap = side * 0.18, side * 0.06
    width = (side - 2 * margin - 2 * gap) / 3
    for number, (colour, height) in enumerate(zip(BARS, HEIGHTS)):
        left = margin + number * (width + gap)
        top = side - margin - height * (side - 2 * margin)
        draw.rectangle([left, top, left + width, side - margin], fill=colour)
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    for size in (16, 32, 64, 80):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
