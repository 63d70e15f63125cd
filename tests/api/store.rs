//! The store conformance suite: the same expectations on SQLite and on PostgreSQL.

use chrono::{Duration, Utc};
use provisio::domain::{Actor, ContactEmail, Refusal};
use provisio::store::{
    ContactEdit, EditOutcome, EditScope, ImportError, ImportFile, LineAction, OnboardOutcome, Stopped, Store,
    session_key_hash,
};

use crate::helpers::*;

/// A limit no test here reaches: these tests are about other rules.
const LOOSE: provisio::config::SendLimit = provisio::config::SendLimit { per_hour: 1000, per_day: 1000 };
use crate::on_both;

/// Everything an import may touch, as text, to compare before and after.
async fn snapshot(store: &Store) -> String {
    let mut out = String::new();
    for id in ["WO-1001", "WO-1002", "WO-1003", "WO-2001"] {
        let order = order_of(store, id).await.unwrap().unwrap();
        out += &format!("{:?}\n", order.head);
        for line in &order.lines {
            out += &format!("{line:?}\n");
            out += &format!("{:?}\n", store.line_transactions(&line.subscription_id).await.unwrap());
        }
    }
    for email in ["creator@acme.example", "ops@vendor.example"] {
        out += &format!("{:?}\n", store.user_credentials(email).await.unwrap());
    }
    out
}

fn field_error(result: Result<impl std::fmt::Debug, ImportError>) -> String {
    match result {
        Err(ImportError::Field { path, message }) => format!("{path}: {message}"),
        other => panic!("expected a field error, got {other:?}"),
    }
}

on_both!(importing_the_same_file_twice_changes_nothing, |app| {
    let before = snapshot(&app.store).await;
    let later = Utc::now() + Duration::hours(1);
    app.store.import(&fixture(later - Duration::hours(1)), later).await.unwrap();
    assert_eq!(snapshot(&app.store).await, before);
});

on_both!(a_reimport_never_undoes_ponr_or_moves_a_status_back_and_records_contact_changes, |app| {
    let mut file = fixture(Utc::now());
    let order = file.orders.iter_mut().find(|o| o.id == "WO-1002").unwrap();
    order.org_mapped_at = None;
    let order = file.orders.iter_mut().find(|o| o.id == "WO-1001").unwrap();
    order.lines[2].status = "awaiting".into(); // Sub-1001-3 is closed
    order.lines[0].contact = "changed@globex.example".into();
    app.store.import(&file, Utc::now()).await.unwrap();

    let wo2 = order_of(&app.store, "WO-1002").await.unwrap().unwrap();
    assert!(wo2.head.org_mapped_at.is_some(), "PONR is never undone");
    let wo1 = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
    assert_eq!(wo1.line("Sub-1001-3").unwrap().status.as_str(), "closed", "a status never moves back");
    assert_eq!(wo1.line("Sub-1001-1").unwrap().contact, "changed@globex.example");
    let history = app.store.line_transactions("Sub-1001-1").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, "import");
    assert_eq!(history[0].old_value.as_deref(), Some("old@globex.example"));
    assert_eq!(history[0].new_value.as_deref(), Some("changed@globex.example"));

    // Forward moves are taken.
    let mut file = fixture(Utc::now());
    file.orders[0].lines[1].status = "complete".into();
    app.store.import(&file, Utc::now()).await.unwrap();
    let wo1 = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
    assert_eq!(wo1.line("Sub-1001-2").unwrap().status.as_str(), "complete");
});

on_both!(a_bad_file_imports_nothing_and_names_the_field, |app| {
    let before = snapshot(&app.store).await;

    let mut file = fixture(Utc::now());
    file.orders[2].lines[0].contact = "not an address".into();
    assert_eq!(
        field_error(app.store.import(&file, Utc::now()).await),
        "orders[2].lines[0].contact: not a valid email address (enter one address only, without a name)"
    );

    let mut file = fixture(Utc::now());
    file.orders[3].lines[0].subscription = "Sub-1001-1".into();
    assert!(
        field_error(app.store.import(&file, Utc::now()).await)
            .starts_with("orders[3].lines[0].subscription: duplicate")
    );

    // A new company, new user and a change to a line come before the bad reference: none
    // of them may be left behind.
    let mut file = fixture(Utc::now());
    file.companies
        .push(serde_json::from_value(serde_json::json!({"id": "newco", "name": "New Co", "kind": "partner"})).unwrap());
    file.orders[0].lines[0].contact = "halfway@globex.example".into();
    file.orders[3].partner = "ghost".into();
    assert_eq!(field_error(app.store.import(&file, Utc::now()).await), "orders[3].partner: no partner company ghost");

    let mut file = fixture(Utc::now());
    file.users[0].company = "ghost".into();
    assert_eq!(field_error(app.store.import(&file, Utc::now()).await), "users[0].company: unknown company ghost");

    let mut file = fixture(Utc::now());
    file.orders[1].created_by = "nobody@acme.example".into();
    assert!(field_error(app.store.import(&file, Utc::now()).await).starts_with("orders[1].created_by"));

    let mut file = fixture(Utc::now());
    file.orders[0].distributor = Some("acme".into());
    assert!(field_error(app.store.import(&file, Utc::now()).await).starts_with("orders[0].distributor"));

    // A subscription that belongs to another order already.
    let mut file = ImportFile::default();
    file.orders.push(fixture(Utc::now()).orders[2].clone());
    file.orders[0].id = "WO-5555".into();
    assert!(field_error(app.store.import(&file, Utc::now()).await).contains("belongs to order WO-1003"));

    assert_eq!(snapshot(&app.store).await, before);
    let users = app.login("editor@acme.example").await;
    assert_eq!(users.get("/orders/WO-5555").await.status(), 404);
});

#[test]
fn malformed_json_names_the_path() {
    let err = ImportFile::parse(r#"{"orders": [{"id": "WO-1", "partner": "a", "created_by": "x@y.example", "customer": "C", "lines": [{"subscription": "S", "offer": "A-Flex", "rsd": "2026-13-01", "contact": "a@b.example", "status": "awaiting"}]}]}"#).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("orders[0].lines[0].rsd:"), "{text}");
    let err = ImportFile::parse(r#"{"companies": [{"id": "a", "name": "A", "kind": "partner", "colour": "red"}]}"#)
        .unwrap_err();
    assert!(err.to_string().starts_with("companies[0]"), "{err}");
    assert!(ImportFile::parse("not json").is_err());
}

on_both!(edits_lock_out_ponr_and_are_set_based, |app| {
    let store = &app.store;
    let editor = store.user_credentials("editor@acme.example").await.unwrap().unwrap().0;
    let order = order_of(store, "WO-1001").await.unwrap().unwrap();
    let grant = editor.actor().edit_grant(&order.parties()).unwrap();
    let email = ContactEmail::parse("set@globex.example").unwrap();
    let edit = |sub: &'static str, all: bool, scope: EditScope| ContactEdit {
        action: LineAction {
            grant: &grant,
            actor_name: "Eddie Editor",
            subscription_id: sub,
            scope,
            at: Utc::now(),
            limit: LOOSE,
            copy_to: None,
        },
        new_contact: &email,
        apply_to_all: all,
        expected_version: None,
    };
    // A subscription of another order is not reachable through this grant.
    assert_eq!(
        store.edit_contact(edit("Sub-1003-1", false, EditScope::OrderPage)).await.unwrap(),
        EditOutcome::Stopped(Stopped::NotFound)
    );
    assert_eq!(
        store.edit_contact(edit("Sub-1001-3", false, EditScope::OrderPage)).await.unwrap(),
        EditOutcome::Stopped(Stopped::Refused(Refusal::ClosedOnOrderPage))
    );
    // From the subscriptions page, apply to all includes the closed-but-pending line.
    let outcome = store.edit_contact(edit("Sub-1001-1", true, EditScope::SubscriptionsPage)).await.unwrap();
    let EditOutcome::Changed { mut lines, emailed, .. } = outcome else { panic!("changed: {outcome:?}") };
    lines.sort();
    assert_eq!(lines, ["Sub-1001-1", "Sub-1001-2", "Sub-1001-3"]);
    assert!(emailed, "their first emails went out");
    assert_eq!(store.onboard("WO-1001", Utc::now()).await.unwrap(), OnboardOutcome::Onboarded);
    assert_eq!(store.onboard("WO-1001", Utc::now()).await.unwrap(), OnboardOutcome::AlreadyOnboarded);
    assert_eq!(store.onboard("WO-0000", Utc::now()).await.unwrap(), OnboardOutcome::NotFound);
    assert_eq!(
        store.edit_contact(edit("Sub-1001-1", false, EditScope::OrderPage)).await.unwrap(),
        EditOutcome::Stopped(Stopped::Refused(Refusal::Ponr))
    );
    // The grant is the only way in: a user of another company gets none.
    let stranger =
        Actor { user_id: 999, company_id: "other".into(), can_edit: true, operator: false, company_admin: false };
    assert!(stranger.edit_grant(&order.parties()).is_none());
});

// Edits racing onboarding: tests/api/faults.rs (1,000 edits over HTTP against the real
// `provisio onboard`, checked by commit order rather than by timestamps).

on_both!(sessions_are_stored_hashed_and_expire, |app| {
    use actix_session::storage::SessionStore;
    let store = &app.store;
    let lifetimes = provisio::config::SessionConfig::default();
    let (user, _) = store.user_credentials("editor@acme.example").await.unwrap().unwrap();
    let now = Utc::now();
    // Through actix-session's storage interface, as the middleware calls it.
    let storage = provisio::store::SessionStorage::new(store.clone(), lifetimes, provisio::clock::Clock::held(now));
    let ttl = actix_web::cookie::time::Duration::minutes(30);
    let state = |user_id: i64, csrf: &str| {
        std::collections::HashMap::from([
            ("user_id".to_string(), user_id.to_string()),
            ("csrf".to_string(), serde_json::to_string(csrf).unwrap()),
        ])
    };
    // No row without a user (an anonymous visitor's session), nor with an entry that has no column.
    assert!(storage.save(Default::default(), &ttl).await.is_err());
    let mut odd = state(user.id, "c");
    odd.insert("cart".into(), "[]".into());
    assert!(storage.save(odd, &ttl).await.is_err());
    assert_eq!(store.session_count().await.unwrap(), 0);
    let key = storage.save(state(user.id, "csrf-1"), &ttl).await.unwrap();
    let loaded = storage.load(&key).await.unwrap().expect("the session lives");
    assert_eq!((loaded["user_id"].as_str(), loaded["csrf"].as_str()), (user.id.to_string().as_str(), "\"csrf-1\""));
    let live: provisio::store::LiveSession = serde_json::from_str(&loaded["live"]).unwrap();
    assert_eq!(
        (live.record.user.email.as_str(), live.key_hash.as_str()),
        ("editor@acme.example", session_key_hash(key.as_ref()).as_str())
    );
    // The same statement brings the company's name, which every page's header shows.
    assert_eq!(live.record.company_name, "Acme Networks");
    // Only the hash is stored: the key itself finds nothing, and no row holds it.
    let hash = session_key_hash(key.as_ref());
    assert!(store.session(key.as_ref(), now).await.unwrap().is_none());
    assert_eq!(
        hash,
        hex::encode(sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(key.as_ref())))
    );
    let count_key = "SELECT COUNT(*) FROM sessions WHERE key_hash = $1 OR csrf = $1";
    let raw: i64 = if store.is_postgres() {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        sqlx::query_scalar(count_key).bind(key.as_ref()).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        sqlx::query_scalar(count_key).bind(key.as_ref()).fetch_one(&pool).await.unwrap()
    };
    assert_eq!(raw, 0, "the key is not stored in plain text");
    // An update keeps the key and the user; emptied, the session ends; deleted, it is gone.
    let same = storage.update(key, state(user.id, "csrf-2"), &ttl).await.unwrap();
    let loaded = storage.load(&same).await.unwrap().unwrap();
    assert_eq!(loaded["csrf"], "\"csrf-2\"");
    let other_key = storage.save(state(user.id, "x"), &ttl).await.unwrap();
    let other_key = storage.update(other_key, Default::default(), &ttl).await.unwrap();
    assert!(storage.load(&other_key).await.unwrap().is_none(), "an emptied session ends");
    storage.delete(&same).await.unwrap();
    assert!(storage.load(&same).await.unwrap().is_none(), "a deleted session is gone");
    assert!(storage.update(same, state(user.id, "back"), &ttl).await.is_ok());
    assert_eq!(store.session_count().await.unwrap(), 0, "an update does not bring an ended session back");

    let hash = format!("{hash}-direct");
    store.start_session(&hash, &stored(user.id, "csrf-1"), &lifetimes, now).await.unwrap();
    let live = store.session(&hash, now).await.unwrap().expect("the session lives");
    // Idle: gone after the idle time without a refresh; a refresh pushes it out.
    assert!(store.session(&hash, now + lifetimes.idle + Duration::seconds(1)).await.unwrap().is_none());
    let later = now + lifetimes.idle - Duration::minutes(1);
    assert!(live.wants_refresh(&lifetimes, later));
    assert!(!live.wants_refresh(&lifetimes, now + lifetimes.idle / 8));
    store.refresh_session(&hash, &lifetimes, later).await.unwrap();
    assert!(store.session(&hash, now + lifetimes.idle + Duration::seconds(1)).await.unwrap().is_some());
    // Absolute: however it is refreshed, never past the maximum.
    let short = provisio::config::SessionConfig { idle: Duration::minutes(30), max: Duration::hours(1) };
    store.start_session("h1", &stored(user.id, "c"), &short, now).await.unwrap();
    store.refresh_session("h1", &short, now + Duration::minutes(25)).await.unwrap();
    store.refresh_session("h1", &short, now + Duration::minutes(50)).await.unwrap();
    assert!(store.session("h1", now + Duration::minutes(59)).await.unwrap().is_some());
    assert!(store.session("h1", now + Duration::minutes(60)).await.unwrap().is_none());
    // Ending one user's sessions ends them all, and only theirs.
    let (other, _) = store.user_credentials("viewer@acme.example").await.unwrap().unwrap();
    store.start_session("h2", &stored(user.id, "c"), &lifetimes, now).await.unwrap();
    store.start_session("h3", &stored(other.id, "c"), &lifetimes, now).await.unwrap();
    assert_eq!(store.end_sessions_of(user.id).await.unwrap(), 3);
    assert!(store.session("h3", now).await.unwrap().is_some());
});

/// What a session stores, for the store's own session statements.
fn stored(user_id: i64, csrf: &str) -> provisio::store::StoredSession {
    provisio::store::StoredSession { user_id, csrf: csrf.to_string(), checked_at: None }
}

#[tokio::test]
async fn a_lease_left_by_a_crashed_dispatcher_is_taken_over() {
    // A store without a running application: no other dispatcher takes part.
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some((store, _url, _dir)) = fresh_store(backend).await else { continue };
        let mut file = fixture(Utc::now());
        file.orders[2].lines[0].rsd = Utc::now().date_naive();
        store.import(&file, Utc::now()).await.unwrap();
        assert_eq!(store.enqueue_due_rsd_emails(Utc::now()).await.unwrap(), 1);
        let now = Utc::now();
        let first = store.claim_emails("crashed", now, now + Duration::minutes(5), 10).await.unwrap();
        assert_eq!(first.len(), 1);
        let meanwhile =
            store.claim_emails("other", now + Duration::minutes(1), now + Duration::minutes(6), 10).await.unwrap();
        assert!(meanwhile.is_empty(), "a live lease is not taken");
        let after =
            store.claim_emails("rescuer", now + Duration::minutes(6), now + Duration::minutes(11), 10).await.unwrap();
        assert_eq!(after.len(), 1, "an expired lease is taken over");
        assert_eq!(after[0].id, first[0].id);
        assert_eq!(after[0].attempts, 2);
        let lines: Vec<_> = after[0].lines.iter().map(|l| (l.subscription_id.as_str(), l.offer.as_str())).collect();
        assert_eq!(lines, [("Sub-1003-1", "Webex Calling")]);
        // The crashed holder's late report no longer counts: the lease moved on.
        store
            .finish_emails("crashed", &[(first[0].id, provisio::store::Delivery::Failed("late".into()))], now)
            .await
            .unwrap();
        assert_eq!(store.email_counts().await.unwrap().failed, 0);
    }
}

on_both!(an_order_page_reads_its_lines_only_for_who_may_see_them, |app| {
    use provisio::store::{LineCursor, LinePage};
    let store = &app.store;
    let editor = store.user_credentials("editor@acme.example").await.unwrap().unwrap().0.actor();
    let everything = LinePage { q: None, after: None, limit: 1000 };
    let (head, counts, lines) = store.order_page("WO-1001", &editor, &everything).await.unwrap().unwrap();
    let order = order_of(store, "WO-1001").await.unwrap().unwrap();
    assert_eq!(format!("{head:?}"), format!("{:?}", order.head));
    assert_eq!(format!("{lines:?}"), format!("{:?}", order.lines), "the same lines as read on their own");
    assert_eq!(counts.awaiting + counts.closed + counts.complete, lines.len() as i64);
    // A page after a cursor and a prefix search give what the lines' own statement gives.
    let after = LinePage { q: Some("sub-1001"), after: Some(LineCursor::after(&lines[0])), limit: 1 };
    let (_, _, page) = store.order_page("WO-1001", &editor, &after).await.unwrap().unwrap();
    assert_eq!(format!("{page:?}"), format!("{:?}", store.order_lines("WO-1001", &after).await.unwrap()));
    assert_eq!(page.len(), 1);
    // Someone of another company gets the head (to answer 404 with) and no line.
    let stranger =
        Actor { user_id: 999, company_id: "other".into(), can_edit: true, operator: false, company_admin: false };
    let (head, _, lines) = store.order_page("WO-1001", &stranger, &everything).await.unwrap().unwrap();
    assert!(!stranger.may_see(&head.parties()));
    assert!(lines.is_empty(), "{lines:?}");
    assert!(store.order_page("WO-0000", &editor, &everything).await.unwrap().is_none());
});
