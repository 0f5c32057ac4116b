//! Filling translated texts. The i18n macros give views; the few texts a component needs as a
//! `String` (a field's label, an aria-label, a stored event worded for its reader) are
//! templates with `{name}` placeholders filled here. A leaf module: anything may use it.

/// A translated text whose `{name}` placeholders become the given values: for the few texts a
/// component needs as a `String` (a field's label or hint), where the i18n macros' own
/// placeholders give a view.
///
/// One pass over the template: a value that itself contains `{name}` (a carrier typed by a
/// merchant) is put in as it is, never filled again.
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| values.iter().find(|(name, _)| *name == &after[..close]).map(|(_, v)| (close, v)));
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn fill_puts_each_value_in_its_place() {
        let values = [("min", "5".to_string()), ("max", "1440".to_string()), ("default", "60".to_string())];
        assert_eq!(fill("整数分钟，{min} 至 {max}。留空则为 {default} 分钟。", &values), "整数分钟，5 至 1440。留空则为 60 分钟。");
        assert_eq!(fill("Cash ({currency})", &[("other", "x".into())]), "Cash ({currency})");
        // A value is put in as it is, even when it looks like a placeholder.
        let values = [("carrier", "{tracking}".to_string()), ("tracking", "SF1".to_string())];
        assert_eq!(fill("{carrier} {tracking} {", &values), "{tracking} SF1 {");
    }
}
