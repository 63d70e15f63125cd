//! The demo data set of `provisio serve --demo`: every case of docs/product.md, with dates relative
//! to the moment it loads. Loaded through the same import as `provisio import`.

use chrono::{DateTime, Duration, Utc};

use crate::store::ImportFile;

/// Demo sign-ins are printed at start-up; this data is for trying the portal, not for use.
pub const DEMO_PASSWORD: &str = "provisio-demo";

/// The one-time code key of the demo users whom PROVISIO_MFA covers (by default Ben, a
/// company admin, and the operator): printed with the sign-ins and in the README, so that
/// a newcomer adds it to any authenticator app. Only `serve --demo` loading its data into an
/// empty database enrols anyone with it; nothing else ever uses it.
pub const DEMO_TOTP_KEY: &str = "PROVISIODEMOTOTPKEYPROVISIODEMO2";

pub const DEMO_USERS: [(&str, &str); 6] = [
    ("ana@acme.example", "order creator (Acme Networks, no edit permission of her own)"),
    ("ben@acme.example", "case 1.2: edit permission; company admin of Acme Networks (Company page)"),
    ("cho@acme.example", "case 1.1: no edit permission (Acme Networks)"),
    ("dana@northwind.example", "distributor with edit permission (Northwind Distribution)"),
    ("eve@initech.example", "another partner: sees none of Acme's orders"),
    ("ops@provisio.example", "operator: sees and fixes every order"),
];

pub fn data(now: DateTime<Utc>) -> ImportFile {
    let day = |offset: i64| (now + Duration::days(offset)).date_naive();
    let at = |offset_days: i64| now + Duration::days(offset_days);
    let json = serde_json::json!({
        "companies": [
            {"id": "acme", "name": "Acme Networks", "kind": "partner", "language": "en"},
            {"id": "initech", "name": "Initech Solutions", "kind": "partner", "language": "sv"},
            {"id": "northwind", "name": "Northwind Distribution", "kind": "distributor", "language": "en"},
            {"id": "provisio", "name": "Provisio Operations", "kind": "vendor", "language": "en"}
        ],
        "users": [
            {"email": "ana@acme.example", "name": "Ana Park", "company": "acme", "password": DEMO_PASSWORD, "can_edit": false},
            {"email": "ben@acme.example", "name": "Ben Ortiz", "company": "acme", "password": DEMO_PASSWORD, "can_edit": true, "company_admin": true},
            {"email": "cho@acme.example", "name": "Cho Min-jun", "company": "acme", "password": DEMO_PASSWORD, "can_edit": false},
            {"email": "dana@northwind.example", "name": "Dana Lind", "company": "northwind", "password": DEMO_PASSWORD, "can_edit": true},
            {"email": "eve@initech.example", "name": "Eve Berg", "company": "initech", "password": DEMO_PASSWORD, "can_edit": true},
            {"email": "ops@provisio.example", "name": "Olle Operator", "company": "provisio", "password": DEMO_PASSWORD, "operator": true}
        ],
        "orders": [
            {"id": "WO-104233871", "partner": "acme", "distributor": "northwind", "created_by": "ana@acme.example",
             "customer": "Globex Corp", "lines": [
                {"subscription": "Sub-2201457", "offer": "A-Flex", "rsd": day(-2), "contact": "it@globex.example",
                 "status": "awaiting", "email_sent_at": at(-2)},
                {"subscription": "Sub-2201458", "offer": "A-Flex-3", "rsd": day(-2), "contact": "it@globex.example",
                 "status": "awaiting", "email_sent_at": at(-2)},
                {"subscription": "Sub-2201459", "offer": "Webex Meetings", "rsd": day(-2), "contact": "it@globex.example",
                 "status": "awaiting", "email_sent_at": at(-2)}
             ]},
            {"id": "WO-104233872", "partner": "acme", "distributor": null, "created_by": "ana@acme.example",
             "customer": "Umbrella Health", "org_mapped_at": at(-1), "lines": [
                {"subscription": "Sub-2201460", "offer": "Webex Calling", "rsd": day(-5), "contact": "admin@umbrella.example",
                 "status": "awaiting", "email_sent_at": at(-5)},
                {"subscription": "Sub-2201461", "offer": "A-Flex", "rsd": day(-5), "contact": "admin@umbrella.example",
                 "status": "awaiting", "email_sent_at": at(-5)}
             ]},
            {"id": "WO-104233873", "partner": "acme", "distributor": "northwind", "created_by": "ben@acme.example",
             "customer": "Soylent Foods", "lines": [
                {"subscription": "Sub-2201462", "offer": "A-Flex", "rsd": day(-10), "contact": "wrong@soylent.example",
                 "status": "closed", "email_sent_at": at(-10)},
                {"subscription": "Sub-2201463", "offer": "Webex Meetings", "rsd": day(-10), "contact": "wrong@soylent.example",
                 "status": "awaiting", "email_sent_at": at(-10)}
             ]},
            {"id": "WO-104233874", "partner": "acme", "distributor": null, "created_by": "ana@acme.example",
             "customer": "Stark Logistics", "lines": [
                {"subscription": "Sub-2201464", "offer": "A-Flex-3", "rsd": day(5), "contact": "ops@stark.example",
                 "status": "awaiting", "email_sent_at": null},
                {"subscription": "Sub-2201465", "offer": "Webex Calling", "rsd": day(5), "contact": "ops@stark.example",
                 "status": "awaiting", "email_sent_at": null}
             ]},
            {"id": "WO-104233875", "partner": "acme", "distributor": null, "created_by": "ana@acme.example",
             "customer": "Wayne Media", "lines": [
                {"subscription": "Sub-2201466", "offer": "Webex Meetings", "rsd": day(-40), "contact": "it@wayne.example",
                 "status": "complete", "email_sent_at": at(-40)}
             ]},
            {"id": "WO-204500001", "partner": "initech", "distributor": null, "created_by": "eve@initech.example",
             "customer": "Hooli AB", "language": "sv", "lines": [
                {"subscription": "Sub-3300001", "offer": "A-Flex", "rsd": day(-1), "contact": "it@hooli.example",
                 "status": "awaiting", "email_sent_at": at(-1)}
             ]}
        ]
    });
    serde_json::from_value(json).expect("the demo data matches the import format")
}
