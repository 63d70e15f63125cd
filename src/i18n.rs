//! The message catalog: every user-facing text, by key, in Fluent files under `locales/`
//! (embedded in the binary). Fluent because messages need plural rules and arguments
//! ("closes in { $days } days") that differ between English, Korean and Swedish.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The languages the portal speaks, the default first.
pub const LANGUAGES: [&str; 3] = ["en", "ko", "sv"];

const SOURCES: [(&str, &str); 3] = [
    ("en", include_str!("../locales/en.ftl")),
    ("ko", include_str!("../locales/ko.ftl")),
    ("sv", include_str!("../locales/sv.ftl")),
];

struct Catalog {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
    /// Every message that takes no argument, already formatted, by language and key: a
    /// page asks for the same labels on every row.
    plain: HashMap<&'static str, HashMap<String, String>>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let bundles: HashMap<&'static str, FluentBundle<FluentResource>> = SOURCES
        .iter()
        .map(|(lang, source)| {
            let id: LanguageIdentifier = lang.parse().expect("a valid language tag");
            let resource = FluentResource::try_new(source.to_string()).expect("the catalog parses");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Unicode isolation marks around arguments would end up in email addresses.
            bundle.set_use_isolating(false);
            bundle.add_resource(resource).expect("no duplicate keys in the catalog");
            (*lang, bundle)
        })
        .collect();
    let mut plain = HashMap::new();
    for (lang, source) in SOURCES {
        let bundle = &bundles[lang];
        let resource = FluentResource::try_new(source.to_string()).expect("the catalog parses");
        let mut texts = HashMap::new();
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry
                && let Some(pattern) = bundle.get_message(m.id.name).and_then(|m| m.value())
            {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, None, &mut errors);
                // A message that needs arguments is formatted when asked, with them.
                if errors.is_empty() {
                    texts.insert(m.id.name.to_string(), text.into_owned());
                }
            }
        }
        plain.insert(lang, texts);
    }
    Catalog { bundles, plain }
});

/// Translations in one language, handed to every template.
#[derive(Debug, Clone)]
pub struct Tr {
    lang: Arc<str>,
}

impl Tr {
    pub fn new(lang: &str) -> Self {
        let lang = if LANGUAGES.contains(&lang) { lang } else { LANGUAGES[0] };
        Self { lang: Arc::from(lang) }
    }

    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// A time as people of this language read it, always with its zone (UTC). Written
    /// out by hand: a page formats a few of these per line.
    pub fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        use chrono::{Datelike, Timelike};
        const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        const SV: [&str; 12] = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];
        let (day, month, year, hour, minute) = (t.day(), t.month0() as usize, t.year(), t.hour(), t.minute());
        match &*self.lang {
            "ko" => format!("{year}년 {}월 {day}일 {hour:02}:{minute:02} UTC", month + 1),
            "sv" => format!("{day} {} {year} kl. {hour:02}:{minute:02} UTC", SV[month]),
            _ => format!("{day} {} {year}, {hour:02}:{minute:02} UTC", EN[month]),
        }
    }

    /// The message `key`; a missing key shows itself, so it is seen and fixed.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with arguments.
    pub fn ta<'a>(&self, key: &str, args: impl AsRef<[(&'a str, &'a str)]>) -> String {
        let mut fargs = FluentArgs::new();
        for (name, value) in args.as_ref() {
            fargs.set(*name, FluentValue::from(*value));
        }
        self.format(key, Some(&fargs))
    }

    /// The message `key` with a number argument `n` (for plural rules).
    pub fn tn(&self, key: &str, name: &str, n: impl std::borrow::Borrow<i64>) -> String {
        self.tcount(key, (name, *n.borrow()), &[])
    }

    /// The message `key` with a number argument (for plural rules) and text arguments.
    pub fn tcount(&self, key: &str, number: (&str, i64), args: &[(&str, &str)]) -> String {
        self.tnumbers(key, &[number], args)
    }

    /// The message `key` with several number arguments and text arguments. A count must
    /// reach Fluent as a number: its plural rules never match a number passed as text
    /// ("1 recipients").
    pub fn tnumbers(&self, key: &str, numbers: &[(&str, i64)], args: &[(&str, &str)]) -> String {
        let mut fargs = FluentArgs::new();
        for (name, n) in numbers {
            fargs.set(*name, FluentValue::from(*n));
        }
        for (name, value) in args {
            fargs.set(*name, FluentValue::from(*value));
        }
        self.format(key, Some(&fargs))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        if args.is_none()
            && let Some(text) = CATALOG.plain.get(&*self.lang).and_then(|texts| texts.get(key))
        {
            return text.clone();
        }
        let bundle = &CATALOG.bundles[&*self.lang];
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_string();
        };
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_bundle::FluentResource;
    use std::collections::BTreeSet;

    fn keys(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_string()).expect("the catalog parses");
        resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_language_has_every_key_and_no_other() {
        let english = keys(SOURCES[0].1);
        for (lang, source) in &SOURCES[1..] {
            let other = keys(source);
            let missing: Vec<_> = english.difference(&other).collect();
            let extra: Vec<_> = other.difference(&english).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{lang}: missing {missing:?}, extra {extra:?}");
        }
    }

    /// Every key is used by the code or a template (some are built from a prefix and a
    /// stored value, such as `kind-…`); a key nobody uses is dead text to translate.
    #[test]
    fn every_key_is_used() {
        const DYNAMIC: [&str; 4] = ["kind-", "tx-status-", "case-type-", "case-status-"];
        let mut code = String::new();
        for dir in ["src", "templates"] {
            let mut stack = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)];
            while let Some(path) = stack.pop() {
                if path.is_dir() {
                    stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                } else if path.extension().is_some_and(|x| x == "rs" || x == "html" || x == "txt") {
                    code += &std::fs::read_to_string(&path).unwrap();
                }
            }
        }
        let unused: Vec<String> = keys(SOURCES[0].1)
            .into_iter()
            .filter(|k| !code.contains(&format!("\"{k}\"")) && !DYNAMIC.iter().any(|p| k.starts_with(p)))
            .collect();
        assert!(unused.is_empty(), "keys no code uses: {unused:?}");
    }

    #[test]
    fn times_read_in_each_language_with_their_zone() {
        use chrono::TimeZone;
        let t = chrono::Utc.with_ymd_and_hms(2026, 5, 3, 9, 5, 0).unwrap();
        assert_eq!(Tr::new("en").when(&t), "3 May 2026, 09:05 UTC");
        assert_eq!(Tr::new("ko").when(&t), "2026년 5월 3일 09:05 UTC");
        assert_eq!(Tr::new("sv").when(&t), "3 maj 2026 kl. 09:05 UTC");
        let october = chrono::Utc.with_ymd_and_hms(2026, 10, 31, 23, 59, 0).unwrap();
        assert_eq!(Tr::new("en").when(&october), "31 Oct 2026, 23:59 UTC");
        assert_eq!(Tr::new("sv").when(&october), "31 okt 2026 kl. 23:59 UTC");
        assert_eq!(Tr::new("ko").when(&october), "2026년 10월 31일 23:59 UTC");
    }

    #[test]
    fn korean_and_swedish_use_the_vendor_terms() {
        let ko = Tr::new("ko");
        assert_eq!(ko.t("status-awaiting"), "프로비저닝 세부 정보 대기");
        assert_eq!(ko.t("status-closed"), "닫힘");
        assert_eq!(ko.t("apply-to-all"), "모든 줄에 적용");
        assert_eq!(ko.t("tm-title"), "트랜잭션 관리자");
        assert!(ko.t("refusal-ponr-title").contains("복귀 불가 지점"));
        let sv = Tr::new("sv");
        assert_eq!(sv.t("status-awaiting"), "Väntar på information om etablering");
        assert_eq!(sv.t("status-closed"), "Stängd");
        assert_eq!(sv.t("resend"), "Skicka igen");
        assert!(sv.tcount("edit-saved", ("count", 2), &[("email", "a@b.example")]).ends_with("på 2 rader."));
        // Issue 25: the article's Korean for a case is 사례 and Closed is 닫힘 everywhere;
        // Swedish uses one word for email (mejl) throughout.
        let source = |lang: &str| SOURCES.iter().find(|(l, _)| *l == lang).unwrap().1;
        assert!(!source("ko").contains("케이스"), "a case is 사례");
        assert!(!source("ko").contains("종료된"), "Closed is 닫힘");
        assert_eq!(ko.t("nav-cases"), "사례");
        assert!(!source("sv").to_lowercase().contains("e-post"), "Swedish says mejl");
    }

    /// Every count said in a message goes through a plural selector on that count, in every
    /// language (Korean has one plural form, but says it the same way), so that "1 line"
    /// never reads "1 lines".
    #[test]
    fn every_count_is_said_through_a_plural_selector() {
        use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
        const COUNTS: [&str; 8] = ["count", "lines", "days", "hours", "minutes", "seconds", "attempts", "max"];
        /// The counts a pattern says outside a selector on them (`selected`: the ones chosen on).
        fn unselected(pattern: &Pattern<&str>, selected: &[String], found: &mut Vec<String>) {
            for element in &pattern.elements {
                let PatternElement::Placeable { expression } = element else { continue };
                match expression {
                    Expression::Inline(InlineExpression::VariableReference { id })
                        if COUNTS.contains(&id.name) && !selected.iter().any(|s| s == id.name) =>
                    {
                        found.push(id.name.to_string());
                    }
                    Expression::Select { selector, variants } => {
                        let mut inner = selected.to_vec();
                        if let InlineExpression::VariableReference { id } = selector {
                            inner.push(id.name.to_string());
                        }
                        for variant in variants {
                            unselected(&variant.value, &inner, found);
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut missing = Vec::new();
        for (lang, source) in SOURCES {
            let resource = FluentResource::try_new(source.to_string()).expect("the catalog parses");
            for entry in resource.entries() {
                if let Entry::Message(m) = entry
                    && let Some(value) = &m.value
                {
                    let mut found = Vec::new();
                    unselected(value, &[], &mut found);
                    missing.extend(found.into_iter().map(|count| format!("{lang} {}: {count}", m.id.name)));
                }
            }
        }
        assert!(missing.is_empty(), "counts said without a plural selector: {missing:#?}");
        // A count of one, passed as a number, reads as one.
        let en = Tr::new("en");
        let offer = en.tnumbers("resend-all-offer", &[("lines", 2), ("count", 1)], &[("recipients", "a@x.example")]);
        assert!(offer.starts_with("2 lines, to a@x.example.") && !offer.contains("recipients"), "{offer}");
        assert_eq!(en.tn("email-view-retrying", "attempts", 1).matches("1 attempt;").count(), 1);
        assert_eq!(Tr::new("sv").tn("tokens-days", "days", 1), "1 dag");
    }

    #[test]
    fn formats_messages_with_arguments() {
        let tr = Tr::new("en");
        assert_eq!(tr.t("status-awaiting"), "Awaiting Provisioning Details");
        assert!(tr.ta("refusal-permission", [("name", "Ana"), ("email", "ana@x.example")]).contains("Ana"));
        assert_eq!(Tr::new("xx").lang(), "en");
        assert!(tr.tcount("edit-saved", ("count", 1), &[("email", "a@b.example")]).ends_with("on 1 line."));
        assert!(tr.tcount("edit-saved", ("count", 3), &[("email", "a@b.example")]).ends_with("on 3 lines."));
    }
}
