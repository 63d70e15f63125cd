//! Static files, embedded in the binary and served under fingerprinted names
//! (`app.3fa2c1d09b.css`): a new build gets new names, so no browser keeps a stale copy.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

struct Asset {
    logical: &'static str,
    served: String,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: [(&str, &str, &[u8]); 4] = [
    ("favicon.svg", "image/svg+xml", include_bytes!("../../static/favicon.svg")),
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../static/app.js")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../../static/vendor/htmx/htmx.min.js")),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(logical, content_type, body)| {
            let hash = hex::encode(Sha256::digest(body));
            let (stem, ext) = logical.split_once('.').expect("asset names have an extension");
            Asset { logical, served: format!("{stem}.{}.{ext}", &hash[..10]), content_type, body }
        })
        .collect()
});

/// The URL of a static file by its plain name.
pub fn url(logical: &str) -> String {
    let asset = ASSETS.iter().find(|a| a.logical == logical).expect("a known asset");
    format!("/static/{}", asset.served)
}

pub async fn serve(file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.served == *file) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
            .body(asset.body),
        None => HttpResponse::NotFound().content_type("text/plain").body("not found"),
    }
}
