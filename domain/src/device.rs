//! Which browser on which system a session or a sign-in came from, read from its user-agent
//! string, so that staff read "Chrome on Android" instead of a 150-character header. Only the
//! browsers and systems people shop with are told apart; anything else is "Unknown browser"
//! (the raw string stays available to whoever needs it).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Browser {
    Chrome,
    Edge,
    Firefox,
    Safari,
    SamsungInternet,
    WeChat,
    Opera,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Os {
    Android,
    IPhone,
    IPad,
    /// An iOS device that says neither iPhone nor iPad (an iPod touch).
    Ios,
    Windows,
    MacOs,
    Linux,
    ChromeOs,
}

/// A user agent as people name it; either part may be unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub browser: Option<Browser>,
    pub os: Option<Os>,
}

impl Browser {
    /// The browser's own name (the English wording; brand names stay as they are).
    pub fn name(self) -> &'static str {
        match self {
            Browser::Chrome => "Chrome",
            Browser::Edge => "Edge",
            Browser::Firefox => "Firefox",
            Browser::Safari => "Safari",
            Browser::SamsungInternet => "Samsung Internet",
            Browser::WeChat => "WeChat",
            Browser::Opera => "Opera",
        }
    }
}

impl Os {
    pub fn name(self) -> &'static str {
        match self {
            Os::Android => "Android",
            Os::IPhone => "iPhone",
            Os::IPad => "iPad",
            Os::Ios => "iOS",
            Os::Windows => "Windows",
            Os::MacOs => "macOS",
            Os::Linux => "Linux",
            Os::ChromeOs => "ChromeOS",
        }
    }
}

/// Reads a `User-Agent` header. Browsers copy each other's tokens (every Chromium browser says
/// "Chrome" and "Safari", every iOS browser "Mac OS X"), so the most specific tokens are looked
/// for first.
pub fn parse_user_agent(ua: &str) -> Device {
    Device { browser: browser_of(ua), os: os_of(ua) }
}

fn browser_of(ua: &str) -> Option<Browser> {
    let has = |token: &str| ua.contains(token);
    if has("MicroMessenger/") {
        Some(Browser::WeChat)
    } else if has("SamsungBrowser/") {
        Some(Browser::SamsungInternet)
    } else if has("Edg/") || has("EdgA/") || has("EdgiOS/") || has("Edge/") {
        Some(Browser::Edge)
    } else if has("OPR/") || has("OPiOS/") || has("OPT/") || ua.starts_with("Opera/") {
        Some(Browser::Opera)
    } else if has("Firefox/") || has("FxiOS/") {
        Some(Browser::Firefox)
    } else if has("CriOS/") || has("Chrome/") {
        Some(Browser::Chrome)
    } else if has("Safari/") && has("Version/") {
        Some(Browser::Safari)
    } else {
        None
    }
}

fn os_of(ua: &str) -> Option<Os> {
    let has = |token: &str| ua.contains(token);
    if has("CrOS ") {
        Some(Os::ChromeOs)
    } else if has("Android") {
        Some(Os::Android)
    } else if has("iPod") {
        Some(Os::Ios)
    } else if has("iPhone") {
        Some(Os::IPhone)
    } else if has("iPad") {
        Some(Os::IPad)
    } else if has("Windows") {
        Some(Os::Windows)
    } else if has("Macintosh") || has("Mac OS X") {
        Some(Os::MacOs)
    } else if has("Linux") || has("X11") {
        Some(Os::Linux)
    } else {
        None
    }
}

/// The English wording: "Chrome on Android", "Firefox", "Unknown browser on Windows",
/// "Unknown browser" (the app words it per reader and keeps its English identical).
impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let browser = self.browser.map_or("Unknown browser", Browser::name);
        match self.os {
            Some(os) => write!(f, "{browser} on {}", os.name()),
            None => f.write_str(browser),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(ua: &str) -> String {
        parse_user_agent(ua).to_string()
    }

    #[test]
    fn common_browsers_on_phones() {
        let cases = [
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
                "Chrome on iPhone",
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15",
                "Firefox on iPad",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android",
            ),
            (
                "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
                "WeChat on Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
                "WeChat on iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 EdgA/126.0.2592.80",
                "Edge on Android",
            ),
            (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36 OPR/83.0.0.0",
                "Opera on Android",
            ),
        ];
        for (ua, expected) in cases {
            assert_eq!(read(ua), expected, "{ua}");
        }
    }

    #[test]
    fn common_browsers_on_computers() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on Windows"),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
                "Edge on Windows",
            ),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome on Windows"),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
                "Opera on macOS",
            ),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0", "Firefox on Linux"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome on ChromeOS"),
        ];
        for (ua, expected) in cases {
            assert_eq!(read(ua), expected, "{ua}");
        }
    }

    #[test]
    fn what_is_not_recognised_says_so() {
        assert_eq!(read(""), "Unknown browser");
        assert_eq!(read("curl/8.5.0"), "Unknown browser");
        assert_eq!(read("paydesk-tests/1.0"), "Unknown browser");
        assert_eq!(read("Mozilla/5.0 (Windows NT 10.0; Win64; x64) SomeBot/2.1"), "Unknown browser on Windows");
        assert_eq!(
            read("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/126.0.0.0 Chrome/126.0.0.0 Safari/537.36"),
            "Chrome on Linux"
        );
        assert_eq!(
            parse_user_agent("Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.18"),
            Device { browser: Some(Browser::Opera), os: Some(Os::Windows) }
        );
        assert_eq!(
            read(
                "Mozilla/5.0 (iPod touch; CPU iPhone OS 15_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1"
            ),
            "Safari on iOS"
        );
    }
}
