"""The preview card a shared link shows (Open Graph and Twitter tags): a 1200 x 630 PNG drawn at build
time from the probabilities chart's static SVG (vl-convert renders it), under the site's title.
A stand-in build says so on the image too: its numbers are not CLIP's."""
import io

import vl_convert
from PIL import Image, ImageDraw, ImageFont

PREVIEW_FILE = "preview.png"
PREVIEW_SIZE = (1200, 630)   # what Open Graph and Twitter's large card expect
PREVIEW_CHART = "probabilities"
MARGIN = 40
TITLE_HEIGHT = 110           # pixels above the chart for the title (and the stand-in line)


def preview_png(chart_svg, title, stand_in):
    """PNG bytes: the title at the top, the chart scaled to fit below it, on white."""
    card = Image.new("RGB", PREVIEW_SIZE, "white")
    draw = ImageDraw.Draw(card)
    draw.text((MARGIN, MARGIN - 8), title, fill="#1a1a1a", font=ImageFont.load_default(size=40))
    if stand_in:
        draw.text((MARGIN, MARGIN + 44), "Stand-in numbers from an untrained model, not CLIP's",
                  fill="#b00020", font=ImageFont.load_default(size=26))
    chart = Image.open(io.BytesIO(vl_convert.svg_to_png(chart_svg, scale=3))).convert("RGBA")
    box = (PREVIEW_SIZE[0] - 2 * MARGIN, PREVIEW_SIZE[1] - TITLE_HEIGHT - 2 * MARGIN)  # (width, height)
    chart.thumbnail(box, Image.Resampling.LANCZOS)
    left = (PREVIEW_SIZE[0] - chart.width) // 2
    top = MARGIN + TITLE_HEIGHT + (box[1] - chart.height) // 2
    card.paste(chart, (left, top), chart)
    out = io.BytesIO()
    card.save(out, "PNG", optimize=True)
    return out.getvalue()


def write_preview(site, charts, settings, stand_in):
    (site / PREVIEW_FILE).write_bytes(preview_png(charts[PREVIEW_CHART].svg, settings["title"], stand_in))


def preview_tags(settings):
    """What page.html's Open Graph and Twitter tags need."""
    return dict(image=preview_url(settings), width=PREVIEW_SIZE[0], height=PREVIEW_SIZE[1],
                url=settings.get("site_url"))


def preview_url(settings, path=PREVIEW_FILE):
    """Absolute when settings has site_url (what card readers need), relative otherwise."""
    base = settings.get("site_url")
    return f"{base.rstrip('/')}/{path}" if base else path
