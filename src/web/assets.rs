//! Static files, embedded in the binary and served under fingerprinted names
//! (`app.3fa2c1d09b.css`): a new build gets new names, so no browser keeps a stale copy.
//!
//! Each file is compressed once, at its first request, with brotli and gzip, and served in
//! the encoding the browser takes; the Compress middleware that compresses pages leaves an
//! answer that already has a `Content-Encoding` alone, so no file is compressed per request
//! (docs/http.md, "Compression").

use std::io::Write;
use std::sync::{LazyLock, OnceLock};

use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, Header};
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

struct Asset {
    logical: &'static str,
    served: String,
    content_type: &'static str,
    body: &'static [u8],
    encoded: OnceLock<Encoded>,
}

/// A file's brotli and gzip bodies, made at its first request.
struct Encoded {
    brotli: web::Bytes,
    gzip: web::Bytes,
}

impl Asset {
    fn encoded(&self) -> &Encoded {
        self.encoded.get_or_init(|| {
            let mut brotli = Vec::new();
            {
                // Quality 11, window 2^22: the smallest files; done once per file and process.
                let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 11, 22);
                writer.write_all(self.body).expect("writing to memory");
            }
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gzip.write_all(self.body).expect("writing to memory");
            let gzip = gzip.finish().expect("writing to memory");
            Encoded { brotli: brotli.into(), gzip: gzip.into() }
        })
    }
}

const FILES: [(&str, &str, &[u8]); 5] = [
    ("favicon.svg", "image/svg+xml", include_bytes!("../../static/favicon.svg")),
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../static/app.js")),
    ("passkeys.js", "text/javascript; charset=utf-8", include_bytes!("../../static/passkeys.js")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../../static/vendor/htmx/htmx.min.js")),
];

/// The column names of the lines tables' 320 px cards, in every language, made from the
/// message catalog once per process: said once here rather than as a `data-label` on
/// every cell of every row (docs/performance.md, "A lighter order page").
/// They are appended to app.css, so the page links one stylesheet as before.
fn with_labels(app_css: &[u8]) -> &'static [u8] {
    const ORDER: [&str; 5] = ["col-subscription", "col-offer", "col-rsd", "col-status", "col-contact"];
    const SUBSCRIPTIONS: [&str; 7] =
        ["col-subscription", "col-order", "col-customer", "col-offer", "col-rsd", "col-status", "col-contact"];
    let mut css = String::from_utf8_lossy(app_css).into_owned();
    css.push_str("\n/* The lines tables' column names, generated from locales/ (web/assets.rs). */\n@container (max-width: 63.99rem) {\n");
    for lang in crate::i18n::LANGUAGES {
        let tr = crate::i18n::Tr::new(lang);
        for (table, columns) in [("order-lines", &ORDER[..]), ("subscription-lines", &SUBSCRIPTIONS[..])] {
            for (at, key) in columns.iter().enumerate() {
                let label = tr.t(key).replace('\\', "\\\\").replace('"', "\\\"");
                css.push_str(&format!(
                    "  :lang({lang}) table.{table} tbody > tr > :nth-child({}):not(:last-child)::before {{ content: \"{label}\"; }}\n",
                    at + 1
                ));
            }
        }
    }
    css.push_str("}\n");
    Box::leak(css.into_bytes().into_boxed_slice())
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(logical, content_type, body)| {
            let body = if logical == "app.css" { with_labels(body) } else { body };
            let hash = hex::encode(Sha256::digest(body));
            let (stem, ext) = logical.split_once('.').expect("asset names have an extension");
            Asset {
                logical,
                served: format!("{stem}.{}.{ext}", &hash[..10]),
                content_type,
                body,
                encoded: OnceLock::new(),
            }
        })
        .collect()
});

/// The URL of a static file by its plain name.
pub fn url(logical: &str) -> String {
    let asset = ASSETS.iter().find(|a| a.logical == logical).expect("a known asset");
    format!("/static/{}", asset.served)
}

/// The encodings a static file is kept in, best first.
const OFFERED: [Encoding; 3] = [Encoding::brotli(), Encoding::gzip(), Encoding::identity()];

pub async fn serve(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.served == *file) else {
        return HttpResponse::NotFound().content_type("text/plain").body("not found");
    };
    let wanted = AcceptEncoding::parse(&req).ok().and_then(|accepted| accepted.negotiate(OFFERED.iter()));
    let (encoding, body) = match wanted {
        Some(Encoding::Known(ContentEncoding::Brotli)) => (ContentEncoding::Brotli, asset.encoded().brotli.clone()),
        Some(Encoding::Known(ContentEncoding::Gzip)) => (ContentEncoding::Gzip, asset.encoded().gzip.clone()),
        // `identity` here keeps the Compress middleware from encoding the file itself (it
        // would for a browser that takes only deflate); `web::wire_headers` removes it.
        _ => (ContentEncoding::Identity, web::Bytes::from_static(asset.body)),
    };
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header((header::CONTENT_ENCODING, encoding.to_header_value()))
        .insert_header((header::VARY, "Accept-Encoding"))
        .body(body)
}
