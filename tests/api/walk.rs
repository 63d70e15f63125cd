//! Defects a walk through the portal found (issue 25, point 5), each held by a test.

use crate::helpers::*;
use crate::on_both;

on_both!(a_line_before_its_rsd_says_once_when_the_first_email_goes_out, |app| {
    // Sub-1003-1's requested start date is in four days: no email yet.
    for who in ["editor@acme.example", "viewer@acme.example"] {
        let page = app.login(who).await.get_html("/orders/WO-1003").await;
        let (_, text) = row(&page, "Sub-1003-1").unwrap();
        assert_eq!(text.matches("goes out on").count(), 1, "{who}: {text}");
    }
});
