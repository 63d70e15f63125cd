//! Reading an import file as a stream: each company, user and order is parsed, checked
//! and handed on as soon as it is read, so a file of a million lines is never whole in
//! memory. Runs on a thread of its own beside the database work.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use tokio::sync::mpsc;

use super::{CompanyIn, ImportError, ImportProgress, OrderIn, Progress, UserIn, field};
use crate::domain::{ContactEmail, ContactEmailError, LineStatus};

/// An order as it is staged: checked, trimmed, its contacts normalised. A large order
/// travels in pieces of at most [`LINES_PER_ITEM`] lines: the first carries the order
/// (`head`), the others only more of its lines.
#[derive(Debug)]
pub(crate) struct StagedOrder {
    pub head: bool,
    pub idx: usize,
    pub id: String,
    pub partner: String,
    pub distributor: Option<String>,
    /// The creator's email as the users table has it (trimmed, lower case).
    pub creator: String,
    /// The creator as the file wrote it, for messages.
    pub creator_text: String,
    pub customer: String,
    pub language: Option<String>,
    pub org_mapped_at: Option<DateTime<Utc>>,
    pub lines: Vec<StagedLine>,
}

impl StagedOrder {
    /// The same order with other lines.
    fn clone_with(&self, lines: Vec<StagedLine>) -> Self {
        Self {
            head: self.head,
            idx: self.idx,
            id: self.id.clone(),
            partner: self.partner.clone(),
            distributor: self.distributor.clone(),
            creator: self.creator.clone(),
            creator_text: self.creator_text.clone(),
            customer: self.customer.clone(),
            language: self.language.clone(),
            org_mapped_at: self.org_mapped_at,
            lines,
        }
    }
}

#[derive(Debug)]
pub(crate) struct StagedLine {
    pub idx: usize,
    pub subscription: String,
    pub offer: String,
    pub rsd: NaiveDate,
    pub contact: String,
    pub status: LineStatus,
    pub email_sent_at: Option<DateTime<Utc>>,
}

/// One checked item of the file, in file order.
#[derive(Debug)]
pub(crate) enum Item {
    Company(CompanyIn),
    User(usize, UserIn),
    Order(StagedOrder),
    /// Orders (or pieces of one) of about [`LINES_PER_ITEM`] lines together.
    Orders(Vec<StagedOrder>),
}

/// The most lines one item carries, so that the items in flight between the reader and
/// the database (the channel's capacity) stay a bounded number of lines.
const LINES_PER_ITEM: usize = 1_000;

/// Reads `reader` to its end, sending every item (or the first error) to `items`. Stops
/// early when the receiver is gone (the database side failed).
pub(crate) fn read_items(reader: impl Read, items: mpsc::Sender<Result<Item, ImportError>>, progress: Progress) {
    let bytes = Arc::new(AtomicU64::new(0));
    let counted = Counting { inner: reader, bytes: bytes.clone() };
    let mut sink = Sink {
        items,
        progress,
        bytes,
        lines: 0,
        error: None,
        stopped: false,
        packet: Vec::new(),
        packet_lines: 0,
        checks: Checks::default(),
    };
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, counted));
    let outcome = de::Deserializer::deserialize_map(&mut de, FileVisitor { sink: &mut sink }).and_then(|()| de.end());
    if sink.stopped {
        return;
    }
    match (outcome, sink.error.take()) {
        (_, Some(error)) => sink.fail(error),
        (Err(e), None) => sink.fail(field("(file)", e.to_string())),
        (Ok(()), None) => {
            if sink.flush() {
                sink.report();
            }
        }
    }
}

/// Counts the bytes read from the file (under the BufReader: a count per block).
struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// What has been seen so far, for the checks that span the file (duplicates).
#[derive(Default)]
struct Checks {
    companies: HashSet<String>,
    users: HashSet<String>,
    orders: HashSet<Box<str>>,
    subscriptions: HashSet<Box<str>>,
}

struct Sink {
    items: mpsc::Sender<Result<Item, ImportError>>,
    progress: Progress,
    bytes: Arc<AtomicU64>,
    lines: u64,
    /// The first error, with its field path (serde only carries a message).
    error: Option<ImportError>,
    /// The receiver is gone: nothing more is wanted.
    stopped: bool,
    packet: Vec<StagedOrder>,
    packet_lines: usize,
    checks: Checks,
}

impl Sink {
    fn send(&mut self, item: Item) -> bool {
        if self.items.blocking_send(Ok(item)).is_err() {
            self.stopped = true;
        }
        !self.stopped
    }

    /// Adds an order (or a piece of one) to the packet, sending the packet once it holds
    /// enough lines: one item per thousand lines keeps the channel a bounded number of
    /// lines and the reader busy while the database stages the last batch.
    fn pack(&mut self, order: StagedOrder) -> bool {
        self.packet_lines += order.lines.len();
        self.packet.push(order);
        if self.packet_lines < LINES_PER_ITEM {
            return true;
        }
        self.flush()
    }

    fn flush(&mut self) -> bool {
        self.packet_lines = 0;
        if self.packet.is_empty() {
            return !self.stopped;
        }
        let packet = std::mem::take(&mut self.packet);
        self.send(Item::Orders(packet))
    }

    fn fail(&mut self, error: ImportError) {
        let _ = self.items.blocking_send(Err(error));
    }

    fn report(&self) {
        if let Some(progress) = &self.progress {
            progress(ImportProgress::Read { bytes: self.bytes.load(Ordering::Relaxed), lines: self.lines });
        }
    }

    /// Keeps `error` and gives serde an error that stops the parse.
    fn stop<E: de::Error>(&mut self, error: ImportError) -> E {
        let message = error.to_string();
        self.error.get_or_insert(error);
        E::custom(message)
    }
}

struct FileVisitor<'a> {
    sink: &'a mut Sink,
}

impl<'de> Visitor<'de> for FileVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with companies, users and orders")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let section = match key.as_str() {
                "companies" => Section::Companies,
                "users" => Section::Users,
                "orders" => Section::Orders,
                other => {
                    let message = format!("unknown field `{other}`, expected `companies`, `users` or `orders`");
                    return Err(self.sink.stop(field("(file)", message)));
                }
            };
            map.next_value_seed(SectionSeed { section, sink: &mut *self.sink })?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Section {
    Companies,
    Users,
    Orders,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Companies => "companies",
            Section::Users => "users",
            Section::Orders => "orders",
        }
    }
}

struct SectionSeed<'a> {
    section: Section,
    sink: &'a mut Sink,
}

impl<'de> DeserializeSeed<'de> for SectionSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let name = self.section.name();
        let sink = self.sink;
        let result = deserializer.deserialize_seq(SectionVisitor { section: self.section, sink: &mut *sink });
        result
            .map_err(|e| if sink.error.is_none() && !sink.stopped { sink.stop(field(name, e.to_string())) } else { e })
    }
}

struct SectionVisitor<'a> {
    section: Section,
    sink: &'a mut Sink,
}

impl<'de> Visitor<'de> for SectionVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of {}", self.section.name())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut idx = 0;
        while seq.next_element_seed(ElementSeed { section: self.section, idx, sink: &mut *self.sink })?.is_some() {
            idx += 1;
        }
        Ok(())
    }
}

struct ElementSeed<'a> {
    section: Section,
    idx: usize,
    sink: &'a mut Sink,
}

impl<'de> DeserializeSeed<'de> for ElementSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let prefix = format!("{}[{}]", self.section.name(), self.idx);
        let sink = self.sink;
        let idx = self.idx;
        let item = match self.section {
            Section::Companies => parse(deserializer, &prefix)
                .and_then(|c| check_company(&mut sink.checks, idx, &c).map(|()| Item::Company(c))),
            Section::Users => parse(deserializer, &prefix)
                .and_then(|u| check_user(&mut sink.checks, idx, &u).map(|()| Item::User(idx, u))),
            Section::Orders => parse(deserializer, &prefix).and_then(|o| stage_order(&mut sink.checks, idx, o)),
        };
        let item = item.map_err(|e| sink.stop::<D::Error>(e))?;
        let sent = match item {
            Item::Order(mut order) => {
                sink.lines += order.lines.len() as u64;
                // A large order goes in pieces; only the first carries the order itself.
                let mut pieces = Vec::new();
                while order.lines.len() > LINES_PER_ITEM {
                    let rest = order.lines.split_off(LINES_PER_ITEM);
                    let first = std::mem::replace(&mut order.lines, rest);
                    pieces.push(order.clone_with(first));
                    order.head = false;
                }
                pieces.push(order);
                pieces.into_iter().all(|piece| sink.pack(piece))
            }
            other => sink.send(other),
        };
        if !sent {
            return Err(de::Error::custom("stopped"));
        }
        if matches!(self.section, Section::Orders) {
            sink.report();
        }
        Ok(())
    }
}

/// One element, its errors named by their full field path (`orders[2].lines[0].rsd`).
fn parse<'de, T: serde::Deserialize<'de>, D: de::Deserializer<'de>>(
    deserializer: D,
    prefix: &str,
) -> Result<T, ImportError> {
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { prefix.to_string() } else { format!("{prefix}.{path}") };
        field(path, e.inner().to_string())
    })
}

/// "not a valid email address", and why when there is more to say.
fn email_problem(e: ContactEmailError) -> String {
    match e {
        ContactEmailError::Invalid => e.plain().to_string(),
        other => format!("not a valid email address ({})", other.plain()),
    }
}

const LANGUAGES: [&str; 3] = ["en", "ko", "sv"];

// The checks say what is wrong; the caller names the field (paths are built only for an
// error: a million lines would otherwise format millions of them).

fn check_language(language: &Option<String>) -> Result<(), &'static str> {
    match language {
        Some(l) if !LANGUAGES.contains(&l.as_str()) => Err("expected en, ko or sv"),
        _ => Ok(()),
    }
}

fn check_id(id: &str) -> Result<(), &'static str> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
    if ok { Ok(()) } else { Err("expected 1 to 64 letters, digits, '-', '_' or '.'") }
}

fn check_text(text: &str) -> Result<(), &'static str> {
    if text.trim().is_empty() || text.len() > 200 || text.chars().any(char::is_control) {
        Err("expected 1 to 200 characters on one line")
    } else {
        Ok(())
    }
}

fn check_company(checks: &mut Checks, i: usize, c: &CompanyIn) -> Result<(), ImportError> {
    check_id(&c.id).map_err(|m| field(format!("companies[{i}].id"), m))?;
    if !checks.companies.insert(c.id.clone()) {
        return Err(field(format!("companies[{i}].id"), format!("duplicate company {}", c.id)));
    }
    check_text(&c.name).map_err(|m| field(format!("companies[{i}].name"), m))?;
    if !["partner", "distributor", "vendor"].contains(&c.kind.as_str()) {
        return Err(field(format!("companies[{i}].kind"), "expected partner, distributor or vendor"));
    }
    check_language(&c.language).map_err(|m| field(format!("companies[{i}].language"), m))
}

fn check_user(checks: &mut Checks, i: usize, u: &UserIn) -> Result<(), ImportError> {
    let email = ContactEmail::parse(&u.email).map_err(|e| field(format!("users[{i}].email"), email_problem(e)))?;
    if !checks.users.insert(email.as_str().to_lowercase()) {
        return Err(field(format!("users[{i}].email"), format!("duplicate user {}", u.email)));
    }
    check_text(&u.name).map_err(|m| field(format!("users[{i}].name"), m))?;
    if let Some(p) = &u.password
        && (p.chars().count() < 8 || p.len() > 1024)
    {
        return Err(field(format!("users[{i}].password"), "expected 8 to 1024 characters"));
    }
    Ok(())
}

fn stage_order(checks: &mut Checks, i: usize, o: OrderIn) -> Result<Item, ImportError> {
    check_id(&o.id).map_err(|m| field(format!("orders[{i}].id"), m))?;
    if !checks.orders.insert(o.id.to_ascii_lowercase().into()) {
        return Err(field(format!("orders[{i}].id"), format!("duplicate order {}", o.id)));
    }
    check_text(&o.customer).map_err(|m| field(format!("orders[{i}].customer"), m))?;
    check_language(&o.language).map_err(|m| field(format!("orders[{i}].language"), m))?;
    if o.lines.is_empty() {
        return Err(field(format!("orders[{i}].lines"), "an order has at least one line"));
    }
    let mut lines = Vec::with_capacity(o.lines.len());
    for (j, l) in o.lines.into_iter().enumerate() {
        let at = |name: &str| format!("orders[{i}].lines[{j}].{name}");
        check_id(&l.subscription).map_err(|m| field(at("subscription"), m))?;
        if !checks.subscriptions.insert(l.subscription.to_ascii_lowercase().into()) {
            return Err(field(at("subscription"), format!("duplicate subscription {}", l.subscription)));
        }
        check_text(&l.offer).map_err(|m| field(at("offer"), m))?;
        let contact = ContactEmail::parse(&l.contact).map_err(|e| field(at("contact"), email_problem(e)))?;
        let Some(status) = LineStatus::parse(&l.status) else {
            return Err(field(at("status"), "expected awaiting, closed or complete"));
        };
        lines.push(StagedLine {
            idx: j,
            subscription: l.subscription,
            offer: l.offer.trim().to_string(),
            rsd: l.rsd,
            contact: contact.as_str().to_string(),
            status,
            email_sent_at: l.email_sent_at,
        });
    }
    Ok(Item::Order(StagedOrder {
        head: true,
        idx: i,
        creator: o.created_by.trim().to_lowercase(),
        creator_text: o.created_by,
        id: o.id,
        partner: o.partner,
        distributor: o.distributor,
        customer: o.customer.trim().to_string(),
        language: o.language,
        org_mapped_at: o.org_mapped_at,
        lines,
    }))
}
