//! The price history of an article as a picture: an SVG drawn by the
//! server from the same slots `/query/prices` answers with (no script, no
//! external resources), for the article page (BW-HTTP-45).
//!
//! Two panels share the time axis: above, per slot, the range from lowest
//! to highest price as a bar and the average as a dot joined by a line
//! (broken where slots are missing); below, the number of trades per slot.
//! Every slot carries a `<title>` (a tooltip in browsers) with its begin,
//! count, average, lowest and highest price and volume (sum of the prices).

use bitwrk_protocol::money::{Money, Unit};
use bitwrk_protocol::rfc3339;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::wire::PriceSlot;

use super::html::escape;

/// Width of the drawing in SVG user units.
const WIDTH: f64 = 720.0;
/// Left margin (price labels).
const LEFT: f64 = 90.0;
/// Right margin.
const RIGHT: f64 = 10.0;
/// Top of the price panel.
const PRICE_TOP: f64 = 10.0;
/// Height of the price panel.
const PRICE_HEIGHT: f64 = 200.0;
/// Top of the count panel.
const COUNT_TOP: f64 = 240.0;
/// Height of the count panel.
const COUNT_HEIGHT: f64 = 80.0;
/// Total height (time labels below the count panel).
const HEIGHT: f64 = 345.0;

/// The average of a slot (⌊sum / count⌋, as the flot form computes it).
pub fn average(slot: &PriceSlot) -> Money {
    let count = i64::try_from(slot.count.max(1)).unwrap_or(i64::MAX);
    Money::new(slot.sum.amount().div_euclid(count), slot.sum.currency())
}

/// A linear map from `[lo, hi]` onto `[out_lo, out_hi]`; a degenerate input
/// range maps to the middle of the output.
fn scale(v: f64, lo: f64, hi: f64, out_lo: f64, out_hi: f64) -> f64 {
    if hi <= lo {
        return (out_lo + out_hi) / 2.0;
    }
    out_lo + (v - lo) / (hi - lo) * (out_hi - out_lo)
}

/// Formats money in the chart's unit, with the symbol.
fn money(m: Money, unit: &Unit) -> String {
    m.format_in(unit, true).unwrap_or_else(|_| m.to_string())
}

/// The SVG element for `slots` of the period `(begin, end]` with prices in
/// `unit`. With no slots it draws the empty axes and says so.
pub fn price_chart(slots: &[PriceSlot], begin: Timestamp, end: Timestamp, unit: &Unit) -> String {
    let t0 = begin.as_millis() as f64;
    let t1 = (end.as_millis().max(begin.as_millis() + 1)) as f64;
    let x = |t: Timestamp| scale(t.as_millis() as f64, t0, t1, LEFT, WIDTH - RIGHT);
    let lo = slots.iter().map(|s| s.min.amount()).min().unwrap_or(0) as f64;
    let hi = slots.iter().map(|s| s.max.amount()).max().unwrap_or(0) as f64;
    // A little room above and below, and a visible range for a single price.
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.05).max(1.0);
    let (lo, hi) = (lo - pad, hi + pad);
    let y = |amount: i64| scale(amount as f64, lo, hi, PRICE_TOP + PRICE_HEIGHT, PRICE_TOP);
    let max_count = slots.iter().map(|s| s.count).max().unwrap_or(0);
    let yc = |count: u64| {
        scale(
            count as f64,
            0.0,
            max_count.max(1) as f64,
            COUNT_TOP + COUNT_HEIGHT,
            COUNT_TOP,
        )
    };

    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"price-chart\" role=\"img\" \
width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-size=\"11\" \
font-family=\"sans-serif\">\n<title>Prices from {} to {}</title>\n",
        escape(&rfc3339::format(begin)),
        escape(&rfc3339::format(end)),
    );
    // Frames and axis labels.
    for (top, height) in [(PRICE_TOP, PRICE_HEIGHT), (COUNT_TOP, COUNT_HEIGHT)] {
        out.push_str(&format!(
            "<rect x=\"{LEFT}\" y=\"{top}\" width=\"{:.1}\" height=\"{height}\" fill=\"none\" stroke=\"#999\"/>\n",
            WIDTH - RIGHT - LEFT
        ));
    }
    if slots.is_empty() {
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no trades in this period</text>\n",
            (LEFT + WIDTH - RIGHT) / 2.0,
            PRICE_TOP + PRICE_HEIGHT / 2.0
        ));
    } else {
        let (min, max) = (
            slots.iter().map(|s| s.min).min_by_key(|m| m.amount()),
            slots.iter().map(|s| s.max).max_by_key(|m| m.amount()),
        );
        for m in [min, max].into_iter().flatten() {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"price-label\">{}</text>\n",
                LEFT - 4.0,
                y(m.amount()) + 4.0,
                escape(&money(m, unit))
            ));
        }
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{max_count} trades</text>\n",
            LEFT - 4.0,
            COUNT_TOP + 4.0
        ));
    }
    for (t, anchor) in [(begin, "start"), (end, "end")] {
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>\n",
            x(t),
            COUNT_TOP + COUNT_HEIGHT + 16.0,
            escape(&rfc3339::format(t))
        ));
    }

    // The average line, broken where a slot does not start where the
    // previous one ended (as the flot form breaks it with `null`).
    let mut path = String::new();
    let mut previous_end: Option<Timestamp> = None;
    for s in slots {
        let mid = Timestamp::from_millis(s.begin.as_millis() / 2 + s.end.as_millis() / 2);
        let cmd = if previous_end == Some(s.begin) {
            'L'
        } else {
            'M'
        };
        path.push_str(&format!(
            "{cmd}{:.1},{:.1} ",
            x(mid),
            y(average(s).amount())
        ));
        previous_end = Some(s.end);
    }
    if !path.is_empty() {
        out.push_str(&format!(
            "<path d=\"{}\" fill=\"none\" stroke=\"#2a6ebb\" stroke-width=\"1.5\"/>\n",
            path.trim_end()
        ));
    }

    for s in slots {
        let (xa, xb) = (x(s.begin), x(s.end));
        let w = (xb - xa - 1.0).max(1.0);
        let avg = average(s);
        out.push_str(&format!(
            "<g class=\"slot\"><title>{} · {} trade{} · average {} · lowest {} · highest {} · volume {}</title>\n",
            escape(&rfc3339::format(s.begin)),
            s.count,
            if s.count == 1 { "" } else { "s" },
            escape(&money(avg, unit)),
            escape(&money(s.min, unit)),
            escape(&money(s.max, unit)),
            escape(&money(s.sum, unit)),
        ));
        let (ymax, ymin) = (y(s.max.amount()), y(s.min.amount()));
        out.push_str(&format!(
            "<rect class=\"range\" x=\"{xa:.1}\" y=\"{ymax:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#b8d0ec\"/>\n",
            (ymin - ymax).max(1.0)
        ));
        out.push_str(&format!(
            "<circle class=\"avg\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"#2a6ebb\"/>\n",
            (xa + xb) / 2.0,
            y(avg.amount())
        ));
        let yb = yc(s.count);
        out.push_str(&format!(
            "<rect class=\"count\" x=\"{xa:.1}\" y=\"{yb:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#8a8\"/>\n</g>\n",
            COUNT_TOP + COUNT_HEIGHT - yb
        ));
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitwrk_protocol::money::Currency;

    fn slot(begin_ms: u64, len_ms: u64, prices: &[i64]) -> PriceSlot {
        let m = |a| Money::new(a, Currency::Btc);
        PriceSlot {
            begin: Timestamp::from_millis(begin_ms),
            end: Timestamp::from_millis(begin_ms + len_ms),
            sum: m(prices.iter().sum()),
            min: m(*prices.iter().min().unwrap()),
            max: m(*prices.iter().max().unwrap()),
            count: prices.len() as u64,
        }
    }

    fn unit() -> &'static Unit {
        Unit::from_symbol("mBTC").unwrap()
    }

    #[test]
    fn one_group_per_slot_with_count_and_volume() {
        // BW-HTTP-45: the article page's chart shows each slot's count and volume.
        let slots = [
            slot(1_000, 1_000, &[100_000, 300_000]),
            slot(2_000, 1_000, &[200_000]),
            slot(5_000, 1_000, &[400_000, 400_000, 400_000]),
        ];
        let svg = price_chart(
            &slots,
            Timestamp::from_millis(1_000),
            Timestamp::from_millis(6_000),
            unit(),
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("<g class=\"slot\">").count(), 3, "{svg}");
        assert_eq!(svg.matches("class=\"count\"").count(), 3);
        assert!(
            svg.contains(
                "2 trades · average mBTC 2 · lowest mBTC 1 · highest mBTC 3 · volume mBTC 4"
            ),
            "{svg}"
        );
        assert!(svg.contains("3 trades · average mBTC 4"), "{svg}");
        // The average line is broken before the slot that does not follow on.
        let d = svg.split("<path d=\"").nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }

    #[test]
    fn higher_prices_are_drawn_higher_and_more_trades_taller() {
        let slots = [slot(0, 10, &[100_000]), slot(10, 10, &[900_000, 900_000])];
        let svg = price_chart(
            &slots,
            Timestamp::from_millis(0),
            Timestamp::from_millis(20),
            unit(),
        );
        let cys: Vec<f64> = svg
            .split("class=\"avg\" cx=\"")
            .skip(1)
            .map(|s| {
                let s = &s[s.find("cy=\"").unwrap() + 4..];
                s[..s.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(cys.len(), 2);
        assert!(cys[1] < cys[0], "SVG y grows downwards: {cys:?}");
        let heights: Vec<f64> = svg
            .split("class=\"count\"")
            .skip(1)
            .map(|s| {
                let s = &s[s.find("height=\"").unwrap() + 8..];
                s[..s.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!(heights[1] > heights[0], "{heights:?}");
    }

    #[test]
    fn empty_and_degenerate_periods_draw_without_nan() {
        let empty = price_chart(
            &[],
            Timestamp::from_millis(5),
            Timestamp::from_millis(5),
            unit(),
        );
        assert!(empty.contains("no trades in this period"));
        assert!(!empty.contains("NaN"));
        let single = price_chart(
            &[slot(0, 10, &[0])],
            Timestamp::from_millis(0),
            Timestamp::from_millis(10),
            unit(),
        );
        assert!(
            !single.contains("NaN") && !single.contains("inf"),
            "{single}"
        );
    }
}
