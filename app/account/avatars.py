"""Profile pictures: decoded, checked and re-encoded, so nothing but pixels is kept."""

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is fine; more is a decompression bomb
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
SIZE = 256


class InvalidPicture(ValueError):
    """The upload is not a picture we accept; the message says why."""


def make_avatar(data):
    """Return a square WebP thumbnail of the uploaded bytes, without any metadata."""
    return make_picture(data, (SIZE, SIZE))


def make_picture(data, size):
    """Decode, check and re-encode an upload as WebP cropped to ``size``; nothing but pixels is kept."""
    if not data:
        raise InvalidPicture("Choose a picture to upload.")
    if len(data) > MAX_BYTES:
        raise InvalidPicture("That picture is larger than 5 MB. Choose a smaller one.")
    with warnings.catch_warnings():
        # Pillow warns before it raises; treat the warning as the refusal it is.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise InvalidPicture("Upload a JPEG, PNG or WebP picture.")
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise InvalidPicture("That picture has too many pixels. Choose a smaller one.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
                thumbnail = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
        except InvalidPicture:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise InvalidPicture("That picture has too many pixels. Choose a smaller one.") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise InvalidPicture("That file is not a picture we can read. Upload a JPEG, PNG or WebP.") from None
    out = io.BytesIO()
    thumbnail.save(out, format="WEBP", quality=85, method=4)  # no exif= or icc_profile=: metadata stays behind
    return out.getvalue()
