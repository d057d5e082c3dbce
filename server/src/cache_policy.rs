//! Which `cache-control` a static file gets, decided from its name.
//!
//! Trunk puts a content hash in the names of the files it builds
//! (`app-1a2b3c4d5e6f7890.js`, `app-…_bg.wasm`, `style-….css`), so a cache may
//! keep those forever: new content gets a new name. Everything else
//! (`index.html`, `sw.js`, `manifest.webmanifest`, copied files) must be
//! revalidated on every use, or a client would keep running an old build.
//! Pure name logic; no I/O.

/// For content-hashed files: cache for a year, never revalidate.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For every other file: a cache may store it but must revalidate first.
pub const REVALIDATE: &str = "no-cache";

/// Fewest hex digits accepted as Trunk's hash. Trunk writes its 64-bit hash
/// with `{:x}`, which drops leading zeros, so one build in sixteen has 15
/// digits. Shorter runs are not accepted: names like `icon-192.png` or a date
/// are all hex digits too, and marking a changing file immutable is far
/// worse than revalidating a hashed one.
const MIN_HASH_DIGITS: usize = 15;
/// Most hex digits in Trunk's hash (a 64-bit value).
const MAX_HASH_DIGITS: usize = 16;

/// The `cache-control` value for a successfully served file named `file_name`
/// (the last path segment).
pub fn for_file(file_name: &str) -> &'static str {
    if is_content_hashed(file_name) {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// Whether `file_name` carries a Trunk content hash: a segment of 15–16
/// lowercase hex digits, delimited by `-`, `_` or `.`, before the extension.
pub fn is_content_hashed(file_name: &str) -> bool {
    let Some((stem, _extension)) = file_name.rsplit_once('.') else {
        return false;
    };
    stem.split(['-', '_', '.']).any(|segment| {
        (MIN_HASH_DIGITS..=MAX_HASH_DIGITS).contains(&segment.len())
            && segment
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_immutable() {
        for name in [
            "app-1a2b3c4d5e6f7890.js",
            "app-1a2b3c4d5e6f7890_bg.wasm",
            "app-1a2b3c4d5e6f7890_bg.wasm.gz",
            "style-1a2b3c4d5e6f7890.css",
            "worker-a2b3c4d5e6f7890.js",
            "1a2b3c4d5e6f7890-initializer.js",
        ] {
            assert_eq!(for_file(name), IMMUTABLE, "{name}");
        }
    }

    #[test]
    fn entry_points_and_plain_files_revalidate() {
        for name in [
            "index.html",
            "sw.js",
            "manifest.webmanifest",
            "icon-192.png",
            "photo-20240101.jpg",
            "app-1A2B3C4D5E6F7890.js",
            "app-1a2b3c4d5e6f78901.js",
            "app-1a2b3c4d5e6f789g.js",
            "1a2b3c4d5e6f7890",
            ".1a2b3c4d5e6f7890",
            "",
        ] {
            assert_eq!(for_file(name), REVALIDATE, "{name}");
        }
    }
}
