//! Browser tests in Debian's chromium through chromedriver (SQLite: the HTTP flows are
//! covered on both databases by the other modules).

#[tokio::test]
async fn placeholder_until_written() {}
