//! Compression on the wire (docs/http.md, "Compression"): pages, fragments and API answers
//! are compressed per request when the browser takes `br` or `gzip`; static files come
//! compressed once; every answer varies by `Accept-Encoding`.

use std::io::Read;

use crate::helpers::*;
use crate::on_both;

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_string())
}

fn varies_by_encoding(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"))
}

fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "br" => brotli::Decompressor::new(body, 4096).read_to_end(&mut out).unwrap(),
        "gzip" => flate2::read::GzDecoder::new(body).read_to_end(&mut out).unwrap(),
        other => panic!("unexpected encoding {other}"),
    };
    out
}

/// The page without its CSRF tokens, which differ from answer to answer (docs/security.md).
fn without_tokens(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    const FIELD: &str = "name=\"csrf_token\" value=\"";
    while let Some(at) = rest.find(FIELD) {
        out.push_str(&rest[..at + FIELD.len()]);
        rest = &rest[at + FIELD.len()..];
        rest = &rest[rest.find('"').unwrap()..];
    }
    out.push_str(rest);
    out
}

async fn fetch(user: &User, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut request = user.client.get(format!("{}{path}", user.base));
    if let Some(accept) = accept {
        request = request.header("Accept-Encoding", accept);
    }
    request.send().await.unwrap()
}

on_both!(pages_fragments_and_api_answers_are_compressed_when_the_browser_takes_it, |app| {
    let user = app.login("editor@acme.example").await;
    let plain = fetch(&user, "/orders/WO-1001", None).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), None, "no compression without Accept-Encoding");
    assert!(varies_by_encoding(&plain), "Vary: Accept-Encoding on an uncompressed answer too");
    let plain = without_tokens(&plain.text().await.unwrap());
    assert!(plain.contains("Sub-1001-1"));

    for encoding in ["br", "gzip"] {
        let response = fetch(&user, "/orders/WO-1001", Some(encoding)).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-encoding").as_deref(), Some(encoding));
        assert!(varies_by_encoding(&response), "{encoding}");
        assert!(header(&response, "content-security-policy").is_some(), "security headers stay");
        assert_eq!(header(&response, "cache-control").as_deref(), Some("no-store"));
        let body = response.bytes().await.unwrap();
        assert!(body.len() * 2 < plain.len(), "{encoding}: {} bytes of {}", body.len(), plain.len());
        let html = String::from_utf8(decode(encoding, &body)).unwrap();
        assert_eq!(without_tokens(&html), plain, "{encoding} decodes to the same page");
    }

    // A fragment (htmx) and an API answer.
    let fragment = user
        .client
        .get(format!("{}/orders/WO-1001/lines/Sub-1001-1/history", user.base))
        .header("HX-Request", "true")
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(fragment.status(), 200);
    assert_eq!(header(&fragment, "content-encoding").as_deref(), Some("br"), "br preferred at equal rank");
    let api = fetch(&app.client(), "/api/v1/openapi.json", Some("gzip")).await;
    assert_eq!(api.status(), 200);
    assert_eq!(header(&api, "content-encoding").as_deref(), Some("gzip"));
    let document: serde_json::Value = serde_json::from_slice(&decode("gzip", &api.bytes().await.unwrap())).unwrap();
    assert!(document["paths"].is_object());
});

on_both!(static_files_come_compressed_once_in_the_encoding_the_browser_takes, |app| {
    let visitor = app.client();
    let page = visitor.get("/login").await.text().await.unwrap();
    let href = page.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    // The stylesheet is the file with the lines tables' column names appended (web/assets.rs).
    let original = fetch(&visitor, &href, None).await.bytes().await.unwrap().to_vec();
    assert!(original.starts_with(include_bytes!("../../static/app.css")));
    assert!(String::from_utf8_lossy(&original).contains(":lang(sv) table.order-lines"));
    for encoding in ["br", "gzip"] {
        let response = fetch(&visitor, &href, Some(encoding)).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-encoding").as_deref(), Some(encoding));
        assert!(varies_by_encoding(&response));
        assert_eq!(header(&response, "cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
        assert_eq!(header(&response, "x-content-type-options").as_deref(), Some("nosniff"));
        let body = response.bytes().await.unwrap();
        assert!(body.len() < original.len() / 2);
        assert_eq!(decode(encoding, &body), original, "{encoding}");
        // The same bytes every time: made once, not per request.
        let again = fetch(&visitor, &href, Some(encoding)).await.bytes().await.unwrap();
        assert_eq!(again, body);
    }
    // Neither br nor gzip (nothing, or deflate only): the file as it is, never encoded here.
    for accept in [None, Some("deflate"), Some("identity")] {
        let response = fetch(&visitor, &href, accept).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-encoding"), None, "{accept:?}");
        assert!(varies_by_encoding(&response));
        assert_eq!(response.bytes().await.unwrap(), original, "{accept:?}");
    }
});
