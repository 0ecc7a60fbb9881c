//! The words people read — pages, mails and reports — in Fluent files, one per locale
//! (`api/locales/*.ftl`), compiled into the binary. A reader's own locale comes
//! first, then `Accept-Language`; a key missing in a locale falls back to English
//! (and a test fails while any is missing).

use std::sync::LazyLock;

use cxpm_domain::values::Locale;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

const SOURCES: [(Locale, &str); 3] = [
    (Locale::En, include_str!("../locales/en.ftl")),
    (Locale::ZhCn, include_str!("../locales/zh-CN.ftl")),
    (Locale::PtBr, include_str!("../locales/pt-BR.ftl")),
];

struct Bundles(Vec<(Locale, FluentBundle<FluentResource>)>);

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| {
    Bundles(
        SOURCES
            .iter()
            .map(|(locale, source)| (*locale, bundle(*locale, source)))
            .collect(),
    )
});

fn bundle(locale: Locale, source: &str) -> FluentBundle<FluentResource> {
    let lang = locale
        .as_str()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // No Unicode isolation marks around arguments: they would land in HTML and mail.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(res, errors)| {
        tracing::error!(
            locale = locale.as_str(),
            ?errors,
            "a Fluent file has errors"
        );
        res
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            locale = locale.as_str(),
            ?errors,
            "a Fluent file repeats keys"
        );
    }
    bundle
}

/// The words in one locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    pub locale: Locale,
}

impl Words {
    /// A day as people write it in this language.
    pub fn day(&self, d: chrono::NaiveDate) -> String {
        match self.locale {
            Locale::En => d.format("%-d %b %Y").to_string(),
            Locale::ZhCn => d.format("%Y年%-m月%-d日").to_string(),
            Locale::PtBr => d.format("%d/%m/%Y").to_string(),
        }
    }

    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    /// The message `id`.
    pub fn get(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with its arguments.
    pub fn with(&self, id: &str, args: &[(&str, &str)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, FluentValue::from(*value));
        }
        self.format(id, Some(&fluent))
    }

    /// The message `id` with the number `n` (for its plural forms) and text arguments.
    pub fn with_n(&self, id: &str, n: i64, args: &[(&str, &str)]) -> String {
        let mut fluent = FluentArgs::new();
        fluent.set("n", FluentValue::from(n));
        for (name, value) in args {
            fluent.set(*name, FluentValue::from(*value));
        }
        self.format(id, Some(&fluent))
    }

    /// The message `id` with one number argument `n`.
    pub fn n(&self, id: &str, n: i64) -> String {
        let mut fluent = FluentArgs::new();
        fluent.set("n", FluentValue::from(n));
        self.format(id, Some(&fluent))
    }

    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        for locale in [self.locale, Locale::En] {
            let Some((_, bundle)) = BUNDLES.0.iter().find(|(l, _)| *l == locale) else {
                continue;
            };
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(id, ?errors, "a message did not format cleanly");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(id, "no such message");
        id.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_syntax::ast::Entry;
    use fluent_syntax::parser::parse;

    use super::*;

    fn keys(source: &str) -> BTreeSet<String> {
        let ast = match parse(source) {
            Ok(ast) => ast,
            Err((_, errors)) => panic!("a Fluent file does not parse: {errors:?}"),
        };
        ast.body
            .iter()
            .filter_map(|e| match e {
                Entry::Message(m) => Some(m.id.name.to_owned()),
                Entry::Term(t) => Some(format!("-{}", t.id.name)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_locale_has_every_key_and_no_other() {
        let en = keys(SOURCES[0].1);
        assert!(en.len() > 100);
        for (locale, source) in &SOURCES[1..] {
            let theirs = keys(source);
            let missing: Vec<_> = en.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&en).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                locale.as_str()
            );
        }
    }

    #[test]
    fn every_key_the_pages_use_exists() {
        let en = keys(SOURCES[0].1);
        let mut used = BTreeSet::new();
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates/web"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/web"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/jobs"),
        ];
        for dir in dirs {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                for quote in ["t.get(\"", "t.with(\"", "t.n(\""] {
                    for (at, _) in text.match_indices(quote) {
                        // `t.` itself, not the end of another name (`kept.get`).
                        let before = text[..at].chars().next_back();
                        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                            continue;
                        }
                        let rest = &text[at + quote.len()..];
                        if let Some(id) = rest.split('"').next() {
                            used.insert(id.to_owned());
                        }
                    }
                }
            }
        }
        assert!(!used.is_empty());
        let unknown: Vec<_> = used.difference(&en).collect();
        assert!(
            unknown.is_empty(),
            "keys used but not in en.ftl: {unknown:?}"
        );
    }

    #[test]
    fn arguments_are_not_wrapped_in_isolation_marks() {
        let t = Words::new(Locale::PtBr);
        assert_eq!(t.n("plan-cycle", 2), "Ciclo 2");
        assert_eq!(Words::new(Locale::ZhCn).get("nav-my-work"), "我的工作");
        assert_eq!(Words::new(Locale::En).get("no-such-key"), "no-such-key");
    }
}
