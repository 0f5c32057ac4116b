//! Uploaded product images: checked by their bytes, decoded within limits (a 50 KB file can
//! declare 100,000 × 100,000 pixels and take gigabytes to decode), and resized to the catalog's
//! widths. The variants are re-encoded without the original's metadata (a phone photo's EXIF
//! can say where it was taken): JPEG, or PNG when the image is transparent.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use crate::Error;
use domain::Message;
use domain::catalog::{ImageVariant as Variant, MAX_IMAGE_MEGAPIXELS, MAX_IMAGE_SIDE, image_widths, scaled_height};

/// The largest upload accepted.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// What the decoder may allocate: the largest image accepted at 16 bits per RGBA channel.
const MAX_DECODE_BYTES: u64 = MAX_IMAGE_MEGAPIXELS as u64 * 1_000_000 * 8 + (16 << 20);
const JPEG_QUALITY: u8 = 82;

/// Checks an uploaded image by its bytes (not by the name or the declared type) and returns
/// its content type.
pub fn image_type(bytes: &[u8]) -> Result<&'static str, Error> {
    if bytes.len() > MAX_BYTES {
        return Err(Error::field("image", Message::ImageTooLarge));
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok("image/webp")
    } else {
        Err(Error::field("image", Message::ImageType))
    }
}

/// The image at every width of [`image_widths`], smallest first. CPU-bound (tens to hundreds
/// of milliseconds): call it off the async threads, see `catalog::resize`.
pub fn variants(bytes: &[u8]) -> Result<Vec<Variant>, Error> {
    let format = match image_type(bytes)? {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        _ => ImageFormat::WebP,
    };
    let image = decode(bytes, format)?;
    let (full_width, full_height) = (image.width(), image.height());
    let transparent = image.has_alpha() && image.to_rgba8().pixels().any(|p| p[3] < 255);
    // Largest first, each from the one before: a smaller source is quicker and as sharp.
    let mut source = if transparent { DynamicImage::ImageRgba8(image.to_rgba8()) } else { DynamicImage::ImageRgb8(image.to_rgb8()) };
    drop(image);
    let mut out = Vec::new();
    for width in image_widths(full_width).into_iter().rev() {
        let height = scaled_height(full_width, full_height, width);
        if (width, height) != (source.width(), source.height()) {
            source = resized(&source, width, height);
        }
        out.push(encode(&source, transparent)?);
    }
    out.reverse();
    Ok(out)
}

fn too_many_pixels() -> Error {
    Error::field("image", Message::ImageDimensions { max_side: MAX_IMAGE_SIDE, max_megapixels: MAX_IMAGE_MEGAPIXELS })
}

fn refused(err: ImageError) -> Error {
    match err {
        ImageError::Limits(_) => too_many_pixels(),
        other => {
            tracing::info!(error = %other, "an uploaded image could not be decoded");
            Error::field("image", Message::ImageUnreadable)
        }
    }
}

/// Decodes within the limits, turned upright as the camera meant (EXIF orientation).
fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, Error> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    // The header is read here: dimensions past the limits are refused before any pixel is.
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(Error::field("image", Message::ImageUnreadable));
    }
    if u64::from(width) * u64::from(height) > u64::from(MAX_IMAGE_MEGAPIXELS) * 1_000_000 {
        return Err(too_many_pixels());
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refused)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn resized(source: &DynamicImage, width: u32, height: u32) -> DynamicImage {
    match source {
        DynamicImage::ImageRgba8(buf) => DynamicImage::ImageRgba8(imageops::resize(buf, width, height, FilterType::CatmullRom)),
        other => DynamicImage::ImageRgb8(imageops::resize(&other.to_rgb8(), width, height, FilterType::CatmullRom)),
    }
}

fn encode(image: &DynamicImage, transparent: bool) -> Result<Variant, Error> {
    let mut bytes = Vec::new();
    let written = if transparent {
        image.write_with_encoder(PngEncoder::new(&mut bytes))
    } else {
        image.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY))
    };
    written.map_err(Error::internal)?;
    let content_type = if transparent { "image/png" } else { "image/jpeg" };
    Ok(Variant { width: image.width(), height: image.height(), content_type, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, Rgba};

    fn png(image: DynamicImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn size_of(v: &Variant) -> (u32, u32) {
        let decoded = image::load_from_memory(&v.bytes).unwrap();
        (decoded.width(), decoded.height())
    }

    #[test]
    fn photos_become_jpegs_at_each_width() {
        let photo = DynamicImage::ImageRgb8(ImageBuffer::from_fn(1200, 800, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90])));
        let v = variants(&png(photo)).unwrap();
        let sizes: Vec<_> = v.iter().map(|v| (v.width, v.height, v.content_type)).collect();
        assert_eq!(sizes, vec![(240, 160, "image/jpeg"), (480, 320, "image/jpeg"), (960, 640, "image/jpeg")]);
        assert!(v.iter().all(|v| size_of(v) == (v.width, v.height)));
    }

    #[test]
    fn transparent_images_stay_png_and_small_ones_are_not_upscaled() {
        let icon = DynamicImage::ImageRgba8(ImageBuffer::from_fn(300, 150, |x, _| Rgba([200, 10, 10, (x % 256) as u8])));
        let v = variants(&png(icon)).unwrap();
        let sizes: Vec<_> = v.iter().map(|v| (v.width, v.height, v.content_type)).collect();
        assert_eq!(sizes, vec![(240, 120, "image/png"), (300, 150, "image/png")]);
    }

    #[test]
    fn unreadable_and_oversized_images_are_refused() {
        let truncated = [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[0u8; 64][..]].concat();
        assert!(matches!(variants(&truncated), Err(Error::Validation(f)) if f[0].message == Message::ImageUnreadable));
        let huge = png_header(60_000, 60_000);
        assert!(matches!(variants(&huge), Err(Error::Validation(f)) if matches!(f[0].message, Message::ImageDimensions { .. })));
        // Within each side's limit but too many pixels in all.
        let wide = png_header(7_000, 7_000);
        assert!(matches!(variants(&wide), Err(Error::Validation(f)) if matches!(f[0].message, Message::ImageDimensions { .. })));
    }

    /// A small PNG that declares a large size: what a decompression bomb's header says (its
    /// few bytes of pixel data are never reached).
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let size = [width.to_be_bytes(), height.to_be_bytes()].concat();
        chunk(&mut out, b"IHDR", &[&size[..], &[8, 2, 0, 0, 0]].concat());
        chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let body = [&kind[..], data].concat();
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
