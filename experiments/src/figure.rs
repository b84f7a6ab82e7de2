//! Figures: every plot is written twice, as SVG (drawn by the experiments) and as PNG (the same
//! SVG rasterized by resvg with an embedded DejaVu Sans subset, so a fresh machine without fonts
//! renders the same text).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};
use crate::record::write_atomic;

/// DejaVu Sans cut down to Latin-1, Greek, arrows and the math symbols the figures use
/// (28 KB; license in `assets/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// PNGs are rendered at twice the SVG's size, so they stay sharp on high-density screens.
pub const PNG_SCALE: f32 = 2.0;

fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FONT.to_vec());
        // The only font: every generic family maps to it.
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// Rasterizes an SVG document to PNG bytes at [`PNG_SCALE`].
///
/// # Errors
/// [`Error::Figure`] when the SVG does not parse or the image cannot be encoded.
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>> {
    let opt = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| Error::Figure(format!("SVG: {e}")))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(PNG_SCALE)
        .ok_or_else(|| Error::Figure(format!("cannot scale a {:?} figure", tree.size())))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| Error::Figure(format!("empty figure ({size:?})")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(PNG_SCALE, PNG_SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::Figure(format!("PNG: {e}")))
}

/// Writes `dir/<stem>.svg` and `dir/<stem>.png` (both atomically).
///
/// # Errors
/// [`Error::Figure`] for an SVG that does not render, [`Error::Io`] for the files.
pub fn write_figure(dir: &Path, stem: &str, svg: &str) -> Result<()> {
    let png = svg_to_png(svg)?;
    write_atomic(&dir.join(format!("{stem}.svg")), svg.as_bytes())?;
    write_atomic(&dir.join(format!("{stem}.png")), &png)
}

/// The Markdown that shows a figure in a report: the PNG inline (every viewer shows it) and a
/// link to the SVG.
pub fn markdown(alt: &str, stem: &str) -> String {
    format!("![{alt}]({stem}.png) ([SVG]({stem}.svg))")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_text_and_lines_to_a_decodable_png() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" font-family="sans-serif" font-size="12"><line x1="0" y1="35" x2="120" y2="35" stroke="black"/><text x="4" y="20">σ → 2.3e-6 ±</text></svg>"#;
        let png = svg_to_png(svg).unwrap();
        let img = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((img.width(), img.height()), (240, 80));
        // Text was drawn: the top half (no line there) has dark pixels.
        let dark_in_text_row = img.pixels()[..240 * 60]
            .iter()
            .filter(|p| p.red() < 128)
            .count();
        assert!(
            dark_in_text_row > 50,
            "{dark_in_text_row} dark pixels: no text rendered"
        );
    }

    #[test]
    fn bad_svg_is_a_typed_error() {
        assert!(matches!(svg_to_png("<svg"), Err(Error::Figure(_))));
    }
}
