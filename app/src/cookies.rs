//! Reading a cookie from a request's `Cookie` headers, for the session token, the chosen
//! language and the reader's time zone alike. Server only; a leaf module.

/// The first non-empty value of cookie `name`, if the request carries one.
pub fn value<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|c| c.split(';')).find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name && !value.is_empty()).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, header::COOKIE};

    #[test]
    fn a_cookie_is_found_by_its_whole_name_in_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("xtz=1; paydesk_session="));
        headers.append(COOKIE, HeaderValue::from_static("a=b;  tz=480 ;i18n_pref_locale=zh-CN"));
        assert_eq!(super::value(&headers, "tz"), Some("480"));
        assert_eq!(super::value(&headers, "i18n_pref_locale"), Some("zh-CN"));
        assert_eq!(super::value(&headers, "paydesk_session"), None, "an empty value is no value");
        assert_eq!(super::value(&headers, "missing"), None);
    }
}
