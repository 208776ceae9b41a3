use super::*;
use crate::article::ArticlePolicy;
use crate::error::ErrorCode;
use crate::money::{Currency, Money};

fn btc(satoshi: i64) -> Money {
    Money::new(satoshi, Currency::Btc)
}

fn ms(n: u64) -> Timestamp {
    Timestamp::from_millis(n)
}

fn fields(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn zero_time_spellings() {
    // BW-JSON-3
    assert!(is_go_zero_time("0001-01-01T00:00:00Z"));
    assert!(is_go_zero_time("0001-01-01T00:00:00.000Z"));
    assert!(is_go_zero_time("0001-01-01T00:00:00+00:00"));
    assert!(!is_go_zero_time("0001-01-01T00:00:00.Z"));
    assert!(!is_go_zero_time("0001-01-01T00:00:01Z"));
    assert_eq!(format_time(None), GO_ZERO_TIME);
    assert_eq!(format_time(Some(ms(1500))), "1970-01-01T00:00:01.5Z");
}

#[test]
fn phases_as_numbers() {
    // BW-JSON-10
    for p in Phase::ALL {
        assert_eq!(phase_from_index(p.index()), Some(p));
    }
    assert_eq!(phase_from_index(9), None);
}

#[test]
fn client_versions() {
    // BW-JSON-11
    let v = |s| GoClientVersion::from_user_agent(s);
    let ver = |major, minor, micro| GoClientVersion {
        major,
        minor,
        micro,
    };
    assert_eq!(v("BitWrkGoClient/0.7.0"), Some(ver(0, 7, 0)));
    assert_eq!(v("BitWrkGoClient/1.22.333 extra"), Some(ver(1, 22, 333)));
    assert_eq!(v("BitWrkGoClient/0.7.01234"), Some(ver(0, 7, 123)));
    assert_eq!(v("BitWrkGoClient/12345.0.0"), None);
    assert_eq!(v("BitWrkGoClient/0.7"), None);
    assert_eq!(v("bitwrkgoclient/0.7.0"), None);
    assert_eq!(v("x BitWrkGoClient/0.7.0"), None);
    assert!(ver(0, 10, 0) > motd::CURRENT_CLIENT);
    assert!(ver(0, 6, 99) < motd::CURRENT_CLIENT);
}

#[test]
fn resolutions() {
    // BW-JSON-12
    let names: Vec<&str> = Resolution::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "1y", "6w", "1w", "1d", "6h", "1h", "12m", "3m", "30s", "6s", "1s"
        ]
    );
    assert_eq!(
        Resolution::Year.seconds(),
        9 * Resolution::SixWeeks.seconds()
    );
    assert_eq!(Resolution::SixWeeks.seconds(), 42 * 86_400);
    assert_eq!(Resolution::TwelveMinutes.seconds(), 720);
    for r in Resolution::ALL {
        assert_eq!(Resolution::parse(r.name()), Some(r));
    }
    assert_eq!(Resolution::parse("2d"), None);
    // Each resolution is coarser than the next.
    for w in Resolution::ALL.windows(2) {
        assert!(w[0].seconds() > w[1].seconds());
    }
}

#[test]
fn slots_are_half_open_at_the_start() {
    // BW-JSON-14
    let r = Resolution::Second;
    let trades = [
        (ms(10_000), btc(7)), // at begin: outside
        (ms(10_001), btc(5)), // slot 0
        (ms(11_000), btc(3)), // exactly the end of slot 0: inside it
        (ms(11_001), btc(4)), // slot 1
        (ms(13_500), btc(9)), // slot 3 (slot 2 empty, left out)
        (ms(13_200), btc(1)), // unsorted input
        (ms(14_000), btc(2)), // at end: inside the last slot
        (ms(14_001), btc(8)), // after end: outside
    ];
    let slots = aggregate_prices(trades, ms(10_000), ms(14_000), r, Currency::Btc).unwrap();
    let got: Vec<(u64, u64, i64, i64, i64, u64)> = slots
        .iter()
        .map(|s| {
            (
                s.begin.as_millis(),
                s.end.as_millis(),
                s.sum.amount(),
                s.min.amount(),
                s.max.amount(),
                s.count,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (10_000, 11_000, 8, 3, 5, 2),
            (11_000, 12_000, 4, 4, 4, 1),
            (13_000, 14_000, 12, 1, 9, 3),
        ]
    );
    let e = aggregate_prices(
        [(ms(10_500), Money::new(1, Currency::Eur))],
        ms(10_000),
        ms(14_000),
        r,
        Currency::Btc,
    )
    .unwrap_err();
    assert_eq!(e.code(), "prices.currency-mismatch");
    let e = aggregate_prices(
        [(ms(10_500), btc(i64::MAX)), (ms(10_600), btc(1))],
        ms(10_000),
        ms(14_000),
        r,
        Currency::Btc,
    )
    .unwrap_err();
    assert_eq!(e.code(), "prices.overflow");
    assert_eq!(
        aggregate_prices([], ms(0), ms(1000), r, Currency::Btc).unwrap(),
        []
    );
}

#[test]
fn price_json_and_flot() {
    // BW-JSON-14, BW-JSON-15
    let r = Resolution::Second;
    let trades = [
        (ms(10_500), btc(150_000)),
        (ms(10_600), btc(150_001)),
        (ms(11_500), btc(100_000)),
        (ms(13_500), btc(2)),
    ];
    let slots = aggregate_prices(trades, ms(10_000), ms(14_000), r, Currency::Btc).unwrap();
    let json = to_go_json(&slots);
    assert_eq!(
        json,
        concat!(
            r#"[{"begin":"1970-01-01T00:00:10Z","end":"1970-01-01T00:00:11Z","sum":"mBTC 3.00001","min":"mBTC 1.5","max":"mBTC 1.50001","count":2},"#,
            r#"{"begin":"1970-01-01T00:00:11Z","end":"1970-01-01T00:00:12Z","sum":"mBTC 1","min":"mBTC 1","max":"mBTC 1","count":1},"#,
            r#"{"begin":"1970-01-01T00:00:13Z","end":"1970-01-01T00:00:14Z","sum":"uBTC 0.02","min":"uBTC 0.02","max":"uBTC 0.02","count":1}]"#,
            "\n"
        )
    );
    let back: Vec<PriceSlot> = from_go_json(&json).unwrap();
    assert_eq!(back, slots);
    let mbtc = crate::money::Unit::from_symbol("mBTC").unwrap();
    let text = flot(&slots, mbtc).unwrap();
    assert_eq!(
        text,
        "[ [10000, 1.5], [11000, 1.5]\n,[11000, 1], [12000, 1]\n, null\n,[13000, 0.00002], [14000, 0.00002]\n]"
    );
    // The flot text is JSON: pairs and nulls.
    let parsed: Vec<Option<(u64, f64)>> = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.len(), 7);
    assert_eq!(parsed[4], None);
    assert_eq!(flot(&[], mbtc).unwrap(), "[]");
    let eur = crate::money::Unit::from_symbol("EUR").unwrap();
    assert_eq!(
        flot(&slots, eur).unwrap_err().code(),
        "prices.currency-mismatch"
    );
}

#[test]
fn price_queries() {
    // BW-JSON-13
    let policy = ArticlePolicy::bitwrk_07();
    let now = Timestamp::from_secs(1_000_000);
    let article = "net.bitwrk/blender/0/2.79/2G";
    let q = PriceQuery::parse(&fields(&[("article", article)]), now, &policy).unwrap();
    assert_eq!(q.resolution, Resolution::ThreeMinutes);
    assert_eq!(q.end, now);
    assert_eq!(q.begin, Timestamp::from_secs(1_000_000 - 86_400));
    assert_eq!(q.unit.symbol, "mBTC");
    assert_eq!(q.format, PriceFormat::Json);
    let q = PriceQuery::parse(
        &fields(&[
            ("article", article),
            ("period", "1h"),
            ("resolution", "1s"),
            ("begin", "1970-01-02T00:00:00Z"),
            ("unit", "uBTC"),
            ("format", "flot"),
            ("other", "x"),
        ]),
        now,
        &policy,
    )
    .unwrap();
    assert_eq!(q.begin, Timestamp::from_secs(86_400));
    assert_eq!(q.end, Timestamp::from_secs(86_400 + 3600));
    assert_eq!(q.format, PriceFormat::Flot);
    assert_eq!(q.currency(), Currency::Btc);
    let body = q
        .render(
            &q.aggregate([(Timestamp::from_secs(86_401), btc(100))])
                .unwrap(),
        )
        .unwrap();
    assert_eq!(body, "[ [86400000, 1], [86401000, 1]\n]");

    let refused = |items: &[(&str, &str)]| {
        PriceQuery::parse(&fields(items), now, &policy)
            .unwrap_err()
            .code()
    };
    assert_eq!(refused(&[]), "prices.missing-article");
    assert_eq!(refused(&[("article", "fn ord")]), "article.bad-syntax");
    assert_eq!(refused(&[("article", "fnord2")]), "article.not-traded");
    assert_eq!(
        refused(&[("article", article), ("article", article)]),
        "prices.duplicate-field"
    );
    assert_eq!(
        refused(&[("article", article), ("period", "2d")]),
        "prices.unknown-period"
    );
    assert_eq!(
        refused(&[("article", article), ("resolution", "1m")]),
        "prices.unknown-resolution"
    );
    assert_eq!(
        refused(&[("article", article), ("begin", "now")]),
        "prices.bad-begin"
    );
    assert_eq!(
        refused(&[("article", article), ("unit", "mbtc")]),
        "prices.unknown-unit"
    );
    assert_eq!(
        refused(&[("article", article), ("format", "csv")]),
        "prices.unknown-format"
    );
    // 1 day of 6 s slots is 14 400 > 10 000; 1 day of 30 s slots is fine.
    assert_eq!(
        refused(&[("article", article), ("resolution", "6s")]),
        "prices.too-many-slots"
    );
    assert!(
        PriceQuery::parse(
            &fields(&[("article", article), ("resolution", "30s")]),
            now,
            &policy
        )
        .is_ok()
    );
}
